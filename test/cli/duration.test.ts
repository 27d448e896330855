/** formatSeconds: the durations the command line prints. */
import { describe, expect, it } from 'vitest';
import { formatSeconds } from '../../src/cli/duration.js';

describe('formatSeconds', () => {
  it('prints whole seconds under a minute, minutes and two-digit seconds from a minute on', () => {
    expect(formatSeconds(0)).toBe('0s');
    expect(formatSeconds(59.4)).toBe('59s');
    expect(formatSeconds(125)).toBe('2m05s');
    expect(formatSeconds(3725)).toBe('62m05s');
  });

  it('rounds once: a value just under a whole minute reads as that minute, never as 60 seconds', () => {
    expect(formatSeconds(59.6)).toBe('1m00s');
    expect(formatSeconds(179.6)).toBe('3m00s');
    expect(formatSeconds(119.5)).toBe('2m00s');
  });

  it('prints tenths under a minute when asked, and whole seconds from a minute on', () => {
    expect(formatSeconds(12.34, { tenths: true })).toBe('12.3s');
    expect(formatSeconds(59.94, { tenths: true })).toBe('59.9s');
    expect(formatSeconds(59.97, { tenths: true })).toBe('1m00s');
    expect(formatSeconds(400.2, { tenths: true })).toBe('6m40s');
  });

  it('prints ? for a duration that is not finite (no ETA before the first step)', () => {
    expect(formatSeconds(Number.NaN)).toBe('?');
    expect(formatSeconds(Infinity)).toBe('?');
  });
});
