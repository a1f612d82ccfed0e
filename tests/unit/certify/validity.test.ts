/**
 * Statistical validity of the certificate (Corollary 3.2 of papers/002), by brute-force trials on a small
 * nonlinear model at N 16, f(y) = FBP(y) + K relu(<u, FBP(y)> - t0) v: the kink makes the smoothed discrepancy
 * depend on the input, so the attacked and clean distributions differ:
 *
 *  1. xi with ||xi|| <= eps is found by pgd-x against f. The "true" median smoothed discrepancy at the attacked
 *     input, D_0.5(x, xi), and the true D_p(x, 0), p = Phi(eps / sigma), are estimated with 4000 samples each.
 *  2. T = 200 independent certificates (S = 50, confidence c = 0.9, fresh smoothing seeds) are computed at the
 *     clean input. The corollary plus the order statistic say P(bound >= D_0.5(x, xi)) >= c. Tolerance: with
 *     coverage c exactly, the fraction of T = 200 trials is Binomial(200, 0.9)/200 with sd 0.021; we require
 *     >= c - 3 sd = 0.836.
 *  3. Sharper: the fraction of bounds >= D_p(x, 0) estimates the exact coverage P(Binomial(S, p) <= K - 1)
 *     of the order statistic; it must lie within 3 sd (0.064) plus 0.05 (the 4000-sample estimate of D_p moves
 *     the comparison level by ~0.007 in probability, ~0.03 in coverage) of that number, so a wrong K
 *     (e.g. the paper's off-by-one) would be caught.
 *
 * Measured (seeded, deterministic): K = 40 of 50, exact coverage 0.938; bound >= attacked median in 0.940 and
 * >= D_p in 0.945 of the trials. This model makes the corollary tight, and the attacked median (1.113e-2 with
 * 40000 samples) even exceeds D_p(x, 0) (1.090e-2) by 2%: Lemma 2.2 of [7] needs a fixed function of the
 * noisy input, but the discrepancy's reference f(y_{x+xi}) moves with xi, so Corollary 3.2 is not exact for
 * discrepancies. The certificate still covers the attacked median at the confidence level here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry } from '@shared/geometry';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { FbpReconstructor } from '../../../src/main/engine/models';
import type { Reconstructor } from '../../../src/main/engine/models/reconstructor';
import { makePhantom, radonForwardArray } from '../../../src/main/engine/physics';
import { disposeAttackResult, pgdX } from '../../../src/main/engine/attacks';
import { certifiedOrderStatistic, certify, sampleDiscrepancies } from '../../../src/main/engine/certify';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('certificate validity (brute-force trials)', () => {
  it('the median at the attacked input is below the clean-input bound in >= c of the trials', async () => {
    const N = 16;
    const g = makeGeometry({ size: N, views: 24 });
    const fbp = new FbpReconstructor(g);
    const xv = makePhantom('ellipses', N, { seed: 5 }).image;
    const x = tf.tensor4d(xv, [1, N, N, 1]);
    const y = tf.tensor4d(radonForwardArray(xv, 1, g), [1, g.views, g.detectors, 1]);
    // f(y) = FBP(y) + K relu(<u, FBP(y)> - t0) v with u = x / ||x||, v the unit residual of FBP on the clean
    // data and the kink t0 just below the clean value of <u, FBP(y)>. The smoothed discrepancy then depends
    // strongly on where the input sits relative to the kink (the half-space situation in which Corollary 3.2
    // is tight), and the attack, maximizing ||f - x|| = ||r|| + K relu(...), pushes the input past the kink.
    const u = tf.div(x, tf.norm(x));
    const v = tf.tidy(() => {
      const r = tf.sub(fbp.reconstruct(y), x);
      return tf.div(r, tf.norm(r));
    });
    const t0 = tf.tidy(() => tf.sub(tf.sum(tf.mul(fbp.reconstruct(y), u)), 0.002));
    const K = 30;
    const model: Reconstructor = {
      kind: 'fbp',
      geometry: g,
      reconstruct: (yy) =>
        tf.tidy(() => {
          const r = fbp.reconstruct(yy);
          const t = tf.sum(tf.mul(r, u), [1, 2, 3], true);
          return tf.add(r, tf.mul(tf.mul(tf.relu(tf.sub(t, t0)), K), v));
        }),
      describe: () => 'FBP + K relu(<u, FBP> - t0) v',
      dispose: () => {},
    };
    const sigma = 0.1;
    const eps = 0.05; // eps / sigma = 0.5, p = 0.691
    const c = 0.9;
    const S = 50;
    const atk = await pgdX.attack(model, x, y, { eps, steps: 20, seed: 1 });
    expect(atk.deltaNorm[0]).toBeLessThanOrEqual(eps * (1 + 1e-6));
    const yAtt = atk.perturbedMeasurement;
    const tOf = (yy: tf.Tensor4D) =>
      tf.tidy(() => tf.sub(tf.sum(tf.mul(fbp.reconstruct(yy), u)), t0).dataSync()[0]);
    // The attack moved the input past the kink: <u, FBP(y')> - t0 grows from 0.002 to ~0.05 (= eps).
    expect(tOf(yAtt) - tOf(y)).toBeGreaterThan(0.5 * eps);

    const big = 4000;
    const sorted = async (yy: tf.Tensor4D, seed: string) => {
      const s = await sampleDiscrepancies(model, yy, { sigma, samples: big, seed, batchSize: 200 });
      return Array.from(s.values[0]).sort((a, b) => a - b);
    };
    const attacked = await sorted(yAtt, 'truth-attacked');
    const clean = await sorted(y, 'truth-clean');
    const os = certifiedOrderStatistic({ samples: S, eps, sigma, confidence: c });
    const medianAttacked = attacked[Math.ceil(big / 2) - 1];
    const dpClean = clean[Math.ceil(os.p * big) - 1];

    const T = 200;
    let coverMedian = 0;
    let coverDp = 0;
    for (let t = 0; t < T; t++) {
      const [r] = await certify(model, y, {
        sigma,
        samples: S,
        confidence: c,
        eps,
        seed: `trial-${t}`,
        batchSize: S,
      });
      const bound = r.certified as number;
      if (bound >= medianAttacked) coverMedian += 1;
      if (bound >= dpClean) coverDp += 1;
    }
    const fracMedian = coverMedian / T;
    const fracDp = coverDp / T;
    console.log(
      `validity: K ${os.k}/${S}, exact coverage ${os.coverage?.toFixed(4)}; ` +
        `D_0.5(attacked) ${medianAttacked.toExponential(3)} vs D_p(clean) ${dpClean.toExponential(3)} ` +
        `(clean median ${clean[big / 2 - 1].toExponential(3)}); ` +
        `bound >= attacked median in ${fracMedian.toFixed(3)}, bound >= D_p in ${fracDp.toFixed(3)} of ${T} trials`,
    );
    const sd = Math.sqrt((c * (1 - c)) / T);
    expect(fracMedian).toBeGreaterThanOrEqual(c - 3 * sd);
    expect(Math.abs(fracDp - (os.coverage as number))).toBeLessThanOrEqual(3 * sd + 0.05);
    // The attack did change the smoothed discrepancy (otherwise the test would be vacuous).
    expect(Math.abs(medianAttacked - clean[big / 2 - 1]) / clean[big / 2 - 1]).toBeGreaterThan(0.01);
    disposeAttackResult(atk);
    tf.dispose([x, y, u, v, t0]);
  });
});
