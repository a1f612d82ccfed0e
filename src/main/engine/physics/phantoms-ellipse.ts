/**
 * Ellipse phantoms: the modified Shepp-Logan head, seeded random "body" phantoms, rasterization and the
 * analytic parallel-beam sinogram (exact line integrals).
 *
 * Coordinates: an ellipse lives in normalized coordinates (X, Y) = (u, v) / (N/2), with (u, v) the pixel
 * coordinates of DESIGN.md section 3 (u right, v up, origin at the image centre). So an ellipse of
 * normalized semi-axis a has a * N/2 pixels semi-axis, and X = +-1 are the outer edges of the image.
 */
import type { Geometry } from '@shared/geometry';
import { detectorCoordinate, viewAngles } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import { createRng, type Rng, type Seed } from '../random';

/**
 * One ellipse of constant value, added to whatever lies below it. Normalized coordinates (see file comment):
 * semi-axis `a` along X and `b` along Y before rotation, centre (x0, y0), rotation phiDeg counter-clockwise.
 */
export interface Ellipse {
  value: number;
  a: number;
  b: number;
  x0: number;
  y0: number;
  phiDeg: number;
}

/**
 * The modified Shepp-Logan head phantom (P. Toft, "The Radon transform", PhD thesis, DTU 1996; the table
 * MATLAB's phantom('Modified Shepp-Logan') and scikit-image use): the original geometry of Shepp & Logan
 * (1974) with contrasts raised so the interior is visible. Skull 1.0, brain 0.2, features 0.1-0.3.
 */
export function sheppLoganEllipses(): Ellipse[] {
  const t: [number, number, number, number, number, number][] = [
    //   value   a       b       x0     y0      phi
    [1.0, 0.69, 0.92, 0, 0, 0],
    [-0.8, 0.6624, 0.874, 0, -0.0184, 0],
    [-0.2, 0.11, 0.31, 0.22, 0, -18],
    [-0.2, 0.16, 0.41, -0.22, 0, 18],
    [0.1, 0.21, 0.25, 0, 0.35, 0],
    [0.1, 0.046, 0.046, 0, 0.1, 0],
    [0.1, 0.046, 0.046, 0, -0.1, 0],
    [0.1, 0.046, 0.023, -0.08, -0.605, 0],
    [0.1, 0.023, 0.023, 0, -0.606, 0],
    [0.1, 0.023, 0.046, 0.06, -0.605, 0],
  ];
  return t.map(([value, a, b, x0, y0, phiDeg]) => ({ value, a, b, x0, y0, phiDeg }));
}

/**
 * Ranges of randomEllipses (normalized units, values in canonical units: attenuation relative to water).
 * The body is one ellipse wider than tall; interior ellipses add a contrast to it. Interior magnitudes are
 * log-uniform, so faint lesions (a few percent of water) are as common as bone-like inserts.
 */
export const RANDOM_ELLIPSE_RANGES = {
  body: { value: [0.95, 1.05], a: [0.7, 0.9], b: [0.5, 0.75], centre: 0.03, phiDeg: [-10, 10] },
  /** Number of interior ellipses (both ends included) unless opts.count is given. */
  count: [4, 10],
  interior: {
    /** Major semi-axis `a`; minor `b = a * aspect`. */
    a: [0.03, 0.3],
    aspect: [0.35, 1],
    phiDeg: [0, 180],
    /** Added contrast, positive (denser than the body) or negative (air/fat-like). */
    positive: [0.02, 0.8],
    negative: [-0.9, -0.05],
    negativeProbability: 0.35,
  },
  /** Interior ellipses stay inside the body shrunk by this relative margin. */
  containmentMargin: 0.03,
} as const;

export interface RandomEllipsesOptions {
  /** Number of interior ellipses (default: uniform in RANDOM_ELLIPSE_RANGES.count). */
  count?: number;
}

/** Draw log-uniformly in [lo, hi] (0 < lo < hi). */
function logUniform(rng: Rng, lo: number, hi: number): number {
  return Math.exp(rng.uniformRange(Math.log(lo), Math.log(hi)));
}

/** Whether ellipse `e` lies inside `body` shrunk by factor (1 - margin), tested on 64 boundary points. */
function insideBody(e: Ellipse, body: Ellipse, margin: number): boolean {
  const cp = Math.cos((e.phiDeg * Math.PI) / 180);
  const sp = Math.sin((e.phiDeg * Math.PI) / 180);
  const cb = Math.cos((body.phiDeg * Math.PI) / 180);
  const sb = Math.sin((body.phiDeg * Math.PI) / 180);
  const lim = (1 - margin) * (1 - margin);
  for (let k = 0; k < 64; k++) {
    const t = (2 * Math.PI * k) / 64;
    const px = e.a * Math.cos(t);
    const py = e.b * Math.sin(t);
    // Boundary point in image coordinates, then relative to the body's centre in the body's frame.
    const x = e.x0 + px * cp - py * sp - body.x0;
    const y = e.y0 + px * sp + py * cp - body.y0;
    const bx = x * cb + y * sb;
    const by = -x * sb + y * cb;
    if ((bx / body.a) ** 2 + (by / body.b) ** 2 > lim) return false;
  }
  return true;
}

/**
 * Seeded training phantom: a body-like outer ellipse of value ~1 (water) and `count` interior ellipses
 * with contrasts of either sign (see RANDOM_ELLIPSE_RANGES). Every interior ellipse lies inside the body,
 * and negative-contrast ellipses never overlap one another, so the image is >= 0.05 inside the body and 0
 * outside it. Deterministic per seed.
 */
export function randomEllipses(seed: Seed, opts: RandomEllipsesOptions = {}): Ellipse[] {
  const R = RANDOM_ELLIPSE_RANGES;
  const rng = createRng(seed).fork('random-ellipses');
  const count = opts.count ?? rng.intRange(R.count[0], R.count[1]);
  if (!Number.isInteger(count) || count < 0 || count > 100) {
    throw new UsageError(`randomEllipses: count must be an integer in [0, 100], got ${count}`);
  }
  const body: Ellipse = {
    value: rng.uniformRange(R.body.value[0], R.body.value[1]),
    a: rng.uniformRange(R.body.a[0], R.body.a[1]),
    b: rng.uniformRange(R.body.b[0], R.body.b[1]),
    x0: rng.uniformRange(-R.body.centre, R.body.centre),
    y0: rng.uniformRange(-R.body.centre, R.body.centre),
    phiDeg: rng.uniformRange(R.body.phiDeg[0], R.body.phiDeg[1]),
  };
  const out: Ellipse[] = [body];
  const negatives: Ellipse[] = [];
  const I = R.interior;
  for (let n = 0; n < count; n++) {
    let placed: Ellipse | undefined;
    // Every try redraws size, shape, contrast and position; 500 consecutive failures are practically
    // impossible at these sizes, but the fallback keeps the loop finite: a small faint disc at the centre.
    for (let tries = 0; tries < 500 && !placed; tries++) {
      const a = rng.uniformRange(I.a[0], I.a[1]);
      const negative = rng.uniform() < I.negativeProbability;
      const value = negative
        ? -logUniform(rng, -I.negative[1], -I.negative[0])
        : logUniform(rng, ...I.positive);
      const e: Ellipse = {
        value,
        a,
        b: a * rng.uniformRange(I.aspect[0], I.aspect[1]),
        x0: body.x0 + rng.uniformRange(-body.a, body.a),
        y0: body.y0 + rng.uniformRange(-body.b, body.b),
        phiDeg: rng.uniformRange(I.phiDeg[0], I.phiDeg[1]),
      };
      if (!insideBody(e, body, R.containmentMargin)) continue;
      // Bounding circles (radius a >= b) must be disjoint, so two negatives never add up below zero.
      if (negative && negatives.some((o) => Math.hypot(o.x0 - e.x0, o.y0 - e.y0) <= o.a + e.a)) continue;
      if (negative) negatives.push(e);
      placed = e;
    }
    out.push(placed ?? { value: I.positive[0], a: I.a[0], b: I.a[0], x0: body.x0, y0: body.y0, phiDeg: 0 });
  }
  return out;
}

function checkEllipses(op: string, e: Ellipse[]): void {
  for (const [k, el] of e.entries()) {
    const vals = [el.value, el.a, el.b, el.x0, el.y0, el.phiDeg];
    if (!vals.every(Number.isFinite) || !(el.a > 0) || !(el.b > 0)) {
      throw new UsageError(`${op}: ellipse ${k} needs finite fields and a, b > 0, got ${JSON.stringify(el)}`);
    }
  }
}

export function checkImageSize(op: string, N: number): void {
  if (!Number.isInteger(N) || N < 2 || N > 4096)
    throw new UsageError(`${op}: N must be an integer in [2, 4096], got ${N}`);
}

/**
 * Rasterize onto an N x N grid (row-major, row i top to bottom). Each pixel is the mean of k x k point
 * samples on a regular sub-grid (k = supersample), an approximation of the area-weighted average; k = 1
 * samples the pixel centre. Ellipse membership is (X'/a)^2 + (Y'/b)^2 <= 1 in the rotated frame.
 */
export function rasterizeEllipses(e: Ellipse[], N: number, supersample = 1): Float32Array {
  checkImageSize('rasterizeEllipses', N);
  checkEllipses('rasterizeEllipses', e);
  if (!Number.isInteger(supersample) || supersample < 1 || supersample > 64) {
    throw new UsageError(`rasterizeEllipses: supersample must be an integer in [1, 64], got ${supersample}`);
  }
  const k = supersample;
  const acc = new Float64Array(N * N);
  const half = N / 2;
  const c = (N - 1) / 2;
  for (const el of e) {
    const A = el.a * half;
    const B = el.b * half;
    const cx = el.x0 * half;
    const cy = el.y0 * half;
    const phi = (el.phiDeg * Math.PI) / 180;
    const cp = Math.cos(phi);
    const sp = Math.sin(phi);
    // Axis-aligned half extents of the rotated ellipse bound the pixels to visit.
    const hu = Math.sqrt(A * A * cp * cp + B * B * sp * sp);
    const hv = Math.sqrt(A * A * sp * sp + B * B * cp * cp);
    const j0 = Math.max(0, Math.floor(cx - hu + c - 1));
    const j1 = Math.min(N - 1, Math.ceil(cx + hu + c + 1));
    const i0 = Math.max(0, Math.floor(c - (cy + hv) - 1));
    const i1 = Math.min(N - 1, Math.ceil(c - (cy - hv) + 1));
    const w = el.value / (k * k);
    for (let i = i0; i <= i1; i++) {
      for (let j = j0; j <= j1; j++) {
        let hits = 0;
        for (let si = 0; si < k; si++) {
          const dv = c - i - ((si + 0.5) / k - 0.5) - cy;
          for (let sj = 0; sj < k; sj++) {
            const du = j - c + ((sj + 0.5) / k - 0.5) - cx;
            const p = (du * cp + dv * sp) / A;
            const q = (-du * sp + dv * cp) / B;
            if (p * p + q * q <= 1) hits++;
          }
        }
        if (hits) acc[i * N + j] += w * hits;
      }
    }
  }
  return Float32Array.from(acc);
}

/**
 * Analytic sinogram, A x D row-major (row per view), point-sampled at each bin's centre s, in pixel-length
 * units. Kak & Slaney, "Principles of Computerized Tomographic Imaging" (1988), section 3.1, eqs. (3.5)-(3.11):
 * an ellipse of value rho with semi-axes A, B (pixels), rotated by phi and centred at c, has projection
 *   p(theta, s) = 2 rho A B / a^2(theta - phi) * sqrt(a^2 - (s - s_c)^2)  for |s - s_c| <= a,  else 0,
 *   a^2(t) = A^2 cos^2 t + B^2 sin^2 t,   s_c = c_u cos(theta) + c_v sin(theta).
 */
export function ellipsesSinogram(e: Ellipse[], g: Geometry): Float32Array {
  checkImageSize('ellipsesSinogram', g.size);
  checkEllipses('ellipsesSinogram', e);
  const half = g.size / 2;
  const thetas = viewAngles(g);
  const D = g.detectors;
  const out = new Float64Array(g.views * D);
  const s = new Float64Array(D);
  for (let d = 0; d < D; d++) s[d] = detectorCoordinate(g, d);
  for (const el of e) {
    const A = el.a * half;
    const B = el.b * half;
    const phi = (el.phiDeg * Math.PI) / 180;
    for (let v = 0; v < g.views; v++) {
      const th = thetas[v];
      const ct = Math.cos(th - phi);
      const st = Math.sin(th - phi);
      const a2 = A * A * ct * ct + B * B * st * st;
      const sc = el.x0 * half * Math.cos(th) + el.y0 * half * Math.sin(th);
      const scale = (2 * el.value * A * B) / a2;
      const row = v * D;
      for (let d = 0; d < D; d++) {
        const t = s[d] - sc;
        const r = a2 - t * t;
        if (r > 0) out[row + d] += scale * Math.sqrt(r);
      }
    }
  }
  return Float32Array.from(out);
}
