/**
 * Durations for the command line's output: "42s" (or "42.3s" with tenths) under a minute,
 * "3m05s" from a minute on. The value is rounded once, so 179.6 s reads "3m00s", never "2m60s".
 */
export function formatSeconds(seconds: number, options: { tenths?: boolean } = {}): string {
  if (!Number.isFinite(seconds)) return '?';
  const short = options.tenths === true ? seconds.toFixed(1) : String(Math.round(seconds));
  if (Number(short) < 60) return `${short}s`;
  const total = Math.round(seconds);
  return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`;
}
