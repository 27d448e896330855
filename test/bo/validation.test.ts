import { describe, expect, it } from 'vitest';
import { BayesianOptimizer, type BayesianOptimizerOptions } from '../../src/bo/optimizer.js';

const ok = { minLr: 1e-3, maxLr: 1e-1 };

describe('BayesianOptimizer option validation', () => {
  it('accepts valid options, the minimal set included', () => {
    expect(new BayesianOptimizer(ok).acquisition).toBe('lcb');
    const full: Required<BayesianOptimizerOptions> = {
      minLr: 1e-4,
      maxLr: 1,
      nInitialPoints: 2,
      initialDesign: 'stratified',
      acquisition: 'ei',
      kappa: 0,
      xi: 0,
      seed: 123,
      nCandidates: 2,
      restarts: 1,
      minSpacing: 0.1,
      maxDuplicateRepeats: 0,
    };
    const bo = new BayesianOptimizer(full);
    expect(bo.nInitialPoints).toBe(2);
    expect(bo.acquisition).toBe('ei');
    expect(bo.minLr).toBe(1e-4);
    expect(bo.maxLr).toBe(1);
  });

  it('names the option and the value in the exact message format', () => {
    expect(() => new BayesianOptimizer({ ...ok, minLr: -1 })).toThrow(
      new RangeError('Expected `minLr` to be a finite number > 0, got -1.'),
    );
    expect(() => new BayesianOptimizer({ ...ok, nInitialPoints: 0 })).toThrow(
      new RangeError('Expected `nInitialPoints` to be an integer >= 1, got 0.'),
    );
    expect(() => new BayesianOptimizer({ ...ok, initialDesign: 'lhs' as never })).toThrow(
      new TypeError('Expected `initialDesign` to be one of "random", "stratified", got "lhs".'),
    );
  });

  const cases: [string, unknown, new (...args: never[]) => Error, RegExp][] = [
    ['options undefined', undefined, TypeError, /`minLr`.*got undefined/],
    ['options null', null, TypeError, /`options`/],
    ['options an array', [], TypeError, /`options`/],
    ['minLr missing', { maxLr: 1 }, TypeError, /`minLr`/],
    ['minLr negative', { ...ok, minLr: -1 }, RangeError, /`minLr`.*> 0, got -1\./],
    ['minLr zero', { ...ok, minLr: 0 }, RangeError, /`minLr`/],
    ['minLr NaN', { ...ok, minLr: NaN }, RangeError, /`minLr`.*NaN/],
    ['minLr Infinity', { ...ok, minLr: Infinity }, RangeError, /`minLr`/],
    ['minLr a string', { ...ok, minLr: '0.001' }, TypeError, /`minLr`.*"0\.001"/],
    ['maxLr missing', { minLr: 1e-3 }, TypeError, /`maxLr`/],
    ['maxLr below minLr', { minLr: 0.1, maxLr: 0.01 }, RangeError, /`maxLr`.*`minLr` \(0\.1\), got 0\.01\./],
    ['maxLr equal to minLr', { minLr: 0.1, maxLr: 0.1 }, RangeError, /`maxLr`/],
    ['maxLr Infinity', { ...ok, maxLr: Infinity }, RangeError, /`maxLr`/],
    ['nInitialPoints 0', { ...ok, nInitialPoints: 0 }, RangeError, /`nInitialPoints`/],
    ['nInitialPoints fractional', { ...ok, nInitialPoints: 1.5 }, RangeError, /`nInitialPoints`.*1\.5/],
    ['nInitialPoints a string', { ...ok, nInitialPoints: '2' }, TypeError, /`nInitialPoints`/],
    ['acquisition unknown', { ...ok, acquisition: 'ucb' }, TypeError, /`acquisition`.*"lcb", "ei".*"ucb"/],
    ['acquisition upper case', { ...ok, acquisition: 'LCB' }, TypeError, /`acquisition`/],
    ['kappa negative', { ...ok, kappa: -1 }, RangeError, /`kappa`.*>= 0/],
    ['kappa NaN', { ...ok, kappa: NaN }, RangeError, /`kappa`/],
    ['kappa a string', { ...ok, kappa: '1e6' }, TypeError, /`kappa`.*"1e6"/],
    ['xi negative', { ...ok, xi: -0.01 }, RangeError, /`xi`/],
    ['xi Infinity', { ...ok, xi: Infinity }, RangeError, /`xi`/],
    ['seed negative', { ...ok, seed: -1 }, RangeError, /`seed`/],
    ['seed fractional', { ...ok, seed: 0.5 }, RangeError, /`seed`/],
    ['nCandidates 1', { ...ok, nCandidates: 1 }, RangeError, /`nCandidates`.*>= 2/],
    ['nCandidates fractional', { ...ok, nCandidates: 100.5 }, RangeError, /`nCandidates`/],
    ['restarts 0', { ...ok, restarts: 0 }, RangeError, /`restarts`/],
    ['maxDuplicateRepeats negative', { ...ok, maxDuplicateRepeats: -1 }, RangeError, /`maxDuplicateRepeats`/],
    ['maxDuplicateRepeats fractional', { ...ok, maxDuplicateRepeats: 2.5 }, RangeError, /`maxDuplicateRepeats`/],
    ['an unknown key', { ...ok, kapa: 1e6 }, TypeError, /Unknown option `kapa` in `options`/],
    ['a snake_case key', { ...ok, n_initial_points: 1 }, TypeError, /Unknown option `n_initial_points`/],
  ];

  for (const [name, options, ErrorClass, message] of cases) {
    it(`rejects ${name}`, () => {
      let err: unknown;
      try {
        new BayesianOptimizer(options as BayesianOptimizerOptions);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ErrorClass);
      expect((err as Error).message).toMatch(message);
    });
  }
});
