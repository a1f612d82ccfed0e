/**
 * `robustness:run`: the robustness check of one slice with one reconstructor f (FBP or a saved model):
 *   1. y = A x (+ noise), f(y): the clean reconstruction and its error ||f(y) - x||;
 *   2. an l2-ball attack over an eps grid (pga-y in measurement space, pgd-x in image space) with warm
 *      starts: rho-hat(eps) (eq. 9 of papers/000; one slice, so rho-hat = Delta_max), and the perturbed
 *      reconstruction and perturbation at the largest eps;
 *   3. randomized-smoothing certification of y at one radius for each sigma (Algorithm 3 of papers/002):
 *      median and certified discrepancy or abstain with the reason, smoothed PSNR/SSIM; the median-sample
 *      reconstruction of the best sigma is the "smoothed" image.
 * Images leave in HU; errors and discrepancies stay in canonical units (as the engine computes them).
 */
import { parseEps, parseEpsList, resolveEps } from '@shared/eps';
import { parseNoiseSpec } from '@shared/noise-spec';
import { xArrayToHu } from '@shared/units';
import type { HostParamOverrides } from '@shared/host-protocol';
import type { CertificationRow, RobustnessResult, RhoHatPointWire } from '@shared/ipc';
import { initBackend, tf } from '../../backend';
import { pgaY, pgdX, referenceNorms, rhoHatCurve } from '../../attacks';
import { sigmaSweep } from '../../certify';
import { simulateMeasurements } from '../../data';
import { frameToCanonical } from '../../dicom';
import { psnr, ssim } from '../../metrics';
import { FbpReconstructor, loadModel, type Reconstructor } from '../../models';
import { makeOperator } from '../../physics';
import { createRng } from '../../random';
import { geometryOf } from './fbp';
import { yieldToEventLoop, type MethodContext } from './context';

function finiteOrNull(v: number | undefined | null): number | null {
  return v === undefined || v === null || !Number.isFinite(v) ? null : v;
}

function quality(x: tf.Tensor4D, img: tf.Tensor4D, dataRange: number): { psnr: number; ssim: number } {
  return tf.tidy(() => ({ psnr: psnr(x, img, { dataRange })[0], ssim: ssim(x, img, { dataRange })[0] }));
}

export async function robustnessRun(
  p: HostParamOverrides['robustness:run'],
  ctx: MethodContext,
): Promise<RobustnessResult> {
  const t0 = performance.now();
  const { job, store } = ctx;
  const grid = parseEpsList(p.attack.eps, 'eps');
  const certEps = parseEps(p.certify.eps, 'certified eps');
  const noise = parseNoiseSpec(p.noise);
  const attack = p.attack.kind === 'pga-y' ? pgaY : pgdX;
  job.progress({ phase: 'prepare', step: 0, total: 1, message: 'loading the model' });
  await initBackend();

  let model: Reconstructor;
  let name: string;
  if (p.model.kind === 'fbp') {
    model = new FbpReconstructor(geometryOf(p.geometry));
    name = 'FBP';
  } else {
    model = (await loadModel(p.model.path)).model;
    name = p.model.name;
  }
  const g = model.geometry;
  const tensors: tf.Tensor[] = [];
  try {
    const { slice } = store.slice(p.source.seriesKey, p.source.index);
    const image = await store.image(slice.file);
    const canonical = frameToCanonical(
      image.frames[slice.frameIndex],
      image.meta.rows,
      image.meta.columns,
      g.size,
    );
    const op = makeOperator(g);
    const x = tf.tensor4d(canonical.x, [1, g.size, g.size, 1]);
    tensors.push(x);
    const y = simulateMeasurements(op, x, { noise, rngs: [createRng(p.seed).fork('noise')] });
    tensors.push(y);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of canonical.x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const dataRange = hi - lo || 1;
    const cleanT = model.reconstruct(y);
    tensors.push(cleanT);
    const clean = cleanT.dataSync() as Float32Array;
    const cleanQuality = quality(x, cleanT, dataRange);
    job.throwIfCancelled();
    await yieldToEventLoop();

    // 2. rho-hat over the eps grid; keep the images of the largest eps.
    let perturbed = new Float32Array(clean);
    let perturbation = new Float32Array(0);
    let perturbedQuality = cleanQuality;
    const curve = await rhoHatCurve(
      attack,
      model,
      x,
      y,
      grid,
      { steps: p.attack.steps, seed: p.seed, op },
      job,
      {
        onPoint: (_pt, r) => {
          perturbed = Float32Array.from(r.perturbedRecon.dataSync());
          perturbation = Float32Array.from(r.delta.dataSync());
          perturbedQuality = quality(x, r.perturbedRecon, dataRange);
        },
      },
    );
    const rhoHat: RhoHatPointWire[] = curve.points.map((pt) => ({
      spec: pt.spec,
      eps: pt.eps,
      epsRelative: pt.epsRelative,
      error: pt.rhoHat,
      deltaNorm: pt.slices[0].deltaNorm,
    }));
    await yieldToEventLoop();

    // 3. certification of the clean measurement at one radius, for each sigma.
    const norm = referenceNorms(p.certify.space, x, op)[0];
    const resolved = resolveEps(certEps, norm);
    const sweep = await sigmaSweep(
      model,
      y,
      {
        sigmas: p.certify.sigmas,
        samples: p.certify.samples,
        confidence: p.certify.confidence,
        eps: resolved.eps,
        space: p.certify.space,
        seed: p.seed,
        op,
        reference: x,
      },
      job,
    );
    const certification: CertificationRow[] = sweep.perSigma.map(({ slices: [s] }) => ({
      sigma: s.sigma,
      samples: s.samples,
      confidence: s.confidence,
      space: s.space,
      eps: s.eps,
      epsRelative: resolved.epsRelative,
      p: s.p,
      median: s.median,
      certified: s.certified,
      abstain: s.abstain,
      reason: s.reason,
      k: s.k,
      minSamples: s.minSamples,
      coverage: s.coverage,
      psnr: {
        base: finiteOrNull(s.quality?.base.psnr),
        median: finiteOrNull(s.quality?.median.psnr),
        certified: finiteOrNull(s.quality?.certified?.psnr),
      },
      ssim: {
        base: finiteOrNull(s.quality?.base.ssim),
        median: finiteOrNull(s.quality?.median.ssim),
        certified: finiteOrNull(s.quality?.certified?.ssim),
      },
    }));
    const shown = sweep.best?.index ?? 0;
    return {
      model: { name, description: model.describe() },
      geometry: g,
      attackKind: p.attack.kind,
      reference: xArrayToHu(canonical.x),
      clean: xArrayToHu(clean),
      perturbed: xArrayToHu(perturbed),
      smoothed: xArrayToHu(sweep.perSigma[shown].slices[0].medianRecon),
      perturbation,
      perturbationSpace: attack.space as 'x' | 'y',
      cleanError: curve.cleanError[0],
      rhoHat,
      quality: { clean: cleanQuality, perturbed: perturbedQuality },
      certification,
      shownSigma: shown,
      bestSigma: sweep.best?.sigma ?? null,
      bestReason: sweep.bestReason,
      elapsedMs: performance.now() - t0,
    };
  } finally {
    tf.dispose(tensors);
    model.dispose();
  }
}
