/**
 * What a stage's LR search must offer (scikit-optimize style ask/tell), shared by both
 * AutoLRS strategies. A fresh search is made for every stage.
 */

/** The search over LRs of one stage. Lower values are better. */
export interface LrSearch {
  /** Proposes the next LR to try. */
  ask(): number;
  /** Reports the value (forecast loss or score) of an LR. */
  tell(lr: number, y: number): void;
  /** JSON-serializable state. */
  stateDict(): unknown;
  /** Restores what {@link stateDict} returned. */
  loadStateDict(state: unknown): void;
  /**
   * Optional: the search's model of the value at each LR (e.g. a Gaussian process's
   * posterior mean), used to recommend an LR between the ones tried.
   */
  predict?(lrs: readonly number[]): { mean: number[] };
}

/** Creates the search of one stage over [minLr, maxLr]. */
export type LrSearchFactory = (context: { stage: number; minLr: number; maxLr: number; seed: number }) => LrSearch;
