/**
 * Independent brute-force metrics for the tests: plain loops in float64, written from the definitions
 * (Wang et al. 2004 eq. 13 with a direct 11x11 Gaussian window, two-pass moments), no tfjs.
 * Images are row-major [H, W].
 */
export function mseRef(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
  return s / a.length;
}

export function nmseRef(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < a.length; k++) {
    num += (a[k] - b[k]) ** 2;
    den += b[k] ** 2;
  }
  return num / den;
}

export function rangeOf(a: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < a.length; k++) {
    lo = Math.min(lo, a[k]);
    hi = Math.max(hi, a[k]);
  }
  return hi - lo;
}

export function psnrRef(ref: ArrayLike<number>, test: ArrayLike<number>, R = rangeOf(ref)): number {
  return 10 * Math.log10((R * R) / mseRef(test, ref));
}

/** SSIM map over the valid window centres, [(H-10) x (W-10)] row-major, and its mean. */
export function ssimRef(
  ref: ArrayLike<number>,
  test: ArrayLike<number>,
  H: number,
  W: number,
  R = rangeOf(ref),
): { map: Float64Array; mean: number } {
  const r = 5;
  const w: number[][] = [];
  let wsum = 0;
  for (let a = -r; a <= r; a++) {
    const row: number[] = [];
    for (let b = -r; b <= r; b++) {
      const v = Math.exp(-(a * a + b * b) / (2 * 1.5 * 1.5));
      row.push(v);
      wsum += v;
    }
    w.push(row);
  }
  const C1 = (0.01 * R) ** 2;
  const C2 = (0.03 * R) ** 2;
  const h = H - 2 * r;
  const wd = W - 2 * r;
  const map = new Float64Array(h * wd);
  let total = 0;
  for (let i = r; i < H - r; i++) {
    for (let j = r; j < W - r; j++) {
      let mx = 0;
      let my = 0;
      for (let a = -r; a <= r; a++) {
        for (let b = -r; b <= r; b++) {
          const wt = w[a + r][b + r] / wsum;
          mx += wt * ref[(i + a) * W + j + b];
          my += wt * test[(i + a) * W + j + b];
        }
      }
      let vx = 0;
      let vy = 0;
      let cxy = 0;
      for (let a = -r; a <= r; a++) {
        for (let b = -r; b <= r; b++) {
          const wt = w[a + r][b + r] / wsum;
          const dx = ref[(i + a) * W + j + b] - mx;
          const dy = test[(i + a) * W + j + b] - my;
          vx += wt * dx * dx;
          vy += wt * dy * dy;
          cxy += wt * dx * dy;
        }
      }
      const s = ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      map[(i - r) * wd + (j - r)] = s;
      total += s;
    }
  }
  return { map, mean: total / (h * wd) };
}
