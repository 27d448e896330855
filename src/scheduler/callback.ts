/**
 * The AutoLRS callbacks and their factory, {@link autoLRS}: the cooldown strategy by
 * default (`cooldown/callback.ts`), the reference strategy with `strategy: 'reference'`
 * (`reference/callback.ts`).
 */
import { AutoLRS, type AutoLRSArgs } from './reference/callback.js';
import { AutoLRSCooldown, type AutoLRSCooldownArgs } from './cooldown/callback.js';

export { AutoLRS, formatEvent, type AutoLRSArgs, type AutoLRSCallbackEvent, type LrBoundsEvent } from './reference/callback.js';
export { AutoLRSCooldown, type AutoLRSCooldownArgs } from './cooldown/callback.js';

/**
 * Creates an AutoLRS callback. By default the cooldown strategy ({@link AutoLRSCooldown}):
 * probes trained on common batches and judged after a mini-cooldown, stages planned over the
 * run's budget, a final cooldown. With `strategy: 'reference'`, the paper's algorithm
 * ({@link AutoLRS}).
 *
 * @example
 * ```ts
 * model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy' });
 * await model.fit(x, y, { epochs: 20, callbacks: [autoLRS({ data: { x, y }, minLr: 1e-3, maxLr: 1 })] });
 * // The paper's algorithm:
 * await model.fit(x, y, { epochs: 20, callbacks: [autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.5 })] });
 * ```
 */
export function autoLRS(args: AutoLRSArgs & { strategy: 'reference' }): AutoLRS;
export function autoLRS(args: AutoLRSCooldownArgs): AutoLRSCooldown;
export function autoLRS(args: (AutoLRSArgs & { strategy: 'reference' }) | AutoLRSCooldownArgs): AutoLRS | AutoLRSCooldown {
  const strategy = (args as { strategy?: unknown } | null | undefined)?.strategy;
  if (strategy === 'reference') return new AutoLRS(args as AutoLRSArgs);
  return new AutoLRSCooldown(args as AutoLRSCooldownArgs);
}
