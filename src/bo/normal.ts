/** The standard normal density and distribution function. */

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** φ(z), the standard normal density. */
export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/**
 * Φ(z), the standard normal distribution function (Hart's algorithm 5666 as given by
 * G. West, "Better approximations to cumulative normal functions", 2005): absolute
 * error below 1e-15 everywhere; in the lower tail (z < −4) the relative error stays
 * below 1e-8. Φ(−z) is computed directly, not as 1 − Φ(z).
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const x = Math.abs(z);
  let tail: number;
  if (x > 37) {
    tail = 0;
  } else {
    const e = Math.exp(-0.5 * x * x);
    if (x < 7.07106781186547) {
      let num = 3.52624965998911e-2 * x + 0.700383064443688;
      num = num * x + 6.37396220353165;
      num = num * x + 33.912866078383;
      num = num * x + 112.079291497871;
      num = num * x + 221.213596169931;
      num = num * x + 220.206867912376;
      let den = 8.83883476483184e-2 * x + 1.75566716318264;
      den = den * x + 16.064177579207;
      den = den * x + 86.7807322029461;
      den = den * x + 296.564248779674;
      den = den * x + 637.333633378831;
      den = den * x + 793.826512519948;
      den = den * x + 440.413735824752;
      tail = (e * num) / den;
    } else {
      let c = x + 0.65;
      c = x + 4 / c;
      c = x + 3 / c;
      c = x + 2 / c;
      c = x + 1 / c;
      tail = e / c / 2.506628274631;
    }
  }
  return z > 0 ? 1 - tail : tail;
}
