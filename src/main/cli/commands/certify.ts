/**
 * `ct-audit certify`: randomized-smoothing certificates per slice and sigma (Algorithm 3 of papers/002):
 * median and certified discrepancy (or abstain with the reason), smoothed PSNR/SSIM, and the best sigma;
 * optionally at inputs attacked within the certified radius first (--attack).
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '@shared/errors';
import { parseEpsList, resolveEps, type EpsSpec } from '@shared/eps';
import { describeGeometry } from '@shared/geometry';
import { tf } from '../../engine/backend';
import { pgaY, pgdX, referenceNorms, type AttackResult } from '../../engine/attacks';
import { sigmaSweep, type CertifiedSlice, type SmoothingSpace } from '../../engine/certify';
import { writeFileAtomic } from '../../engine/io/npy';
import { parseChoice, parseIntOption, parseNumberOption, printJson, startBackend } from '../context';
import {
  addInputOptions,
  cliJob,
  loadInputs,
  sliceRanges,
  writeInputs,
  writeStack,
  type InputOptions,
} from './attack';

interface CertifyCliOptions extends InputOptions {
  sigma: string;
  samples: number;
  eps: string;
  confidence: number;
  space: SmoothingSpace;
  attack: 'none' | 'pga-y' | 'pgd-x';
  attackSteps: number;
  quantile: number;
  batchSize?: number;
}

function parsePositiveList(name: string, text: string): number[] {
  const v = text.split(',').map((s) => s.trim());
  return v.map((s) => {
    const n = Number(s);
    if (s === '' || !(n > 0) || !Number.isFinite(n))
      throw new UsageError(`--${name}: "${s}" is not a positive number`);
    return n;
  });
}

/** JSON has no Infinity (PSNR of identical images): report it as null. */
function finiteOrNull(v: number | undefined): number | null {
  return v === undefined || !Number.isFinite(v) ? null : v;
}

function resultRow(
  s: CertifiedSlice,
  b: number,
  id: string,
  spec: EpsSpec,
  epsRelative: number,
  attack: AttackResult | undefined,
) {
  return {
    slice: b,
    id,
    sigma: s.sigma,
    eps: s.eps,
    epsSpec: spec.text,
    epsRelative,
    samples: s.samples,
    confidence: s.confidence,
    quantile: s.quantile,
    space: s.space,
    p: s.p,
    median: s.median,
    medianRank: s.medianRank,
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
      base: s.quality?.base.ssim ?? null,
      median: s.quality?.median.ssim ?? null,
      certified: s.quality?.certified?.ssim ?? null,
    },
    attack: attack
      ? {
          kind: attack.kind,
          error: attack.error[b],
          cleanError: attack.cleanError[b],
          deltaNorm: attack.deltaNorm[b],
        }
      : null,
  };
}

export function registerCertify(program: Command): void {
  const cmd = program
    .command('certify')
    .description(
      'randomized-smoothing certificates: median and certified discrepancy per slice and sigma (papers/002)',
    )
    .requiredOption(
      '--sigma <list>',
      'smoothing noise levels, e.g. 0.01,0.02 (image units for --space x, line integrals for y)',
    )
    .requiredOption(
      '--eps <list>',
      'certified radii, absolute or relative (1% of ||x|| for --space x, of ||Ax|| for y)',
    )
    .option('--samples <S>', 'noise samples per slice and sigma', parseIntOption('samples', 1, 1_000_000), 50)
    .option(
      '--confidence <c>',
      'confidence of the certified bound, in (0, 1)',
      parseNumberOption('confidence', 0, 1),
      0.99,
    )
    .option(
      '--space <x|y>',
      'where the smoothing noise (and the certified radius) lives',
      parseChoice('space', ['x', 'y'] as const),
      'x',
    )
    .option(
      '--attack <kind>',
      'attack each slice within eps first: none, pgd-x (space x) or pga-y (space y)',
      parseChoice('attack', ['none', 'pga-y', 'pgd-x'] as const),
      'none',
    )
    .option('--attack-steps <n>', 'steps of the attack', parseIntOption('attack-steps', 0), 100)
    .option(
      '--quantile <q>',
      'quantile of the smoothed discrepancy (0.5: the median)',
      parseNumberOption('quantile', 0, 1),
      0.5,
    )
    .option(
      '--batch-size <n>',
      'noisy copies per forward pass (default: memory-bounded, at most 8)',
      parseIntOption('batch-size', 1),
    );
  addInputOptions(cmd).action(async (o: CertifyCliOptions, c: Command) => {
    const sigmas = parsePositiveList('sigma', o.sigma);
    const grid = parseEpsList(o.eps);
    if (!(o.confidence > 0 && o.confidence < 1))
      throw new UsageError(`--confidence must be in (0, 1), got ${o.confidence}`);
    if (!(o.quantile > 0 && o.quantile < 1))
      throw new UsageError(`--quantile must be in (0, 1), got ${o.quantile}`);
    const attack = o.attack === 'none' ? undefined : o.attack === 'pga-y' ? pgaY : pgdX;
    if (attack && attack.space !== o.space) {
      throw new UsageError(
        `--attack ${o.attack} perturbs ${attack.space}, but --space is ${o.space}: the certified radius and the attack must live in the same space (use ${o.space === 'x' ? 'pgd-x' : 'pga-y'})`,
      );
    }
    await startBackend(c);
    const inp = await loadInputs(o);
    const job = cliJob();
    const outFiles: string[] = [];
    try {
      if (o.out) {
        await fs.mkdir(o.out, { recursive: true });
        outFiles.push(...(await writeInputs(o.out, inp)));
      }
      const g = inp.geometry;
      const B = inp.ids.length;
      const ranges = sliceRanges(inp.x);
      const norms = referenceNorms(o.space, inp.x, inp.op);
      const results: ReturnType<typeof resultRow>[] = [];
      const best: Record<string, unknown>[] = [];
      for (const [k, spec] of grid.entries()) {
        const resolved = norms.map((n) => resolveEps(spec, n));
        const eps = resolved.map((r) => r.eps);
        let attacked: AttackResult | undefined;
        if (attack) {
          attacked = await attack.attack(
            inp.model,
            inp.x,
            inp.y,
            { eps, steps: o.attackSteps, seed: `${o.seed}/attack-${k}`, op: inp.op },
            job,
          );
          if (o.out) {
            const dShape: [number, number, number] =
              attack.space === 'x' ? [B, g.size, g.size] : [B, g.views, g.detectors];
            outFiles.push(
              ...(await writeStack(
                o.out,
                `eps${k}-perturbation`,
                attacked.delta.dataSync() as Float32Array,
                dShape,
                'signed',
              )),
            );
            outFiles.push(
              ...(await writeStack(
                o.out,
                `eps${k}-perturbed-recon`,
                attacked.perturbedRecon.dataSync() as Float32Array,
                [B, g.size, g.size],
                ranges,
              )),
            );
          }
        }
        try {
          const yIn = attacked ? attacked.perturbedMeasurement : inp.y;
          const sweep = await sigmaSweep(
            inp.model,
            yIn,
            {
              sigmas,
              samples: o.samples,
              confidence: o.confidence,
              eps,
              space: o.space,
              quantile: o.quantile,
              seed: o.seed,
              batchSize: o.batchSize,
              op: inp.op,
              reference: inp.x,
            },
            job,
          );
          for (const [j, p] of sweep.perSigma.entries()) {
            p.slices.forEach((s, b) =>
              results.push(resultRow(s, b, inp.ids[b], spec, resolved[b].epsRelative, attacked)),
            );
            if (o.out) {
              const n = g.size * g.size;
              const med = new Float32Array(B * n);
              const cer = new Float32Array(B * n);
              p.slices.forEach((s, b) => {
                med.set(s.medianRecon, b * n);
                if (s.certifiedRecon) cer.set(s.certifiedRecon, b * n);
              });
              outFiles.push(
                ...(await writeStack(
                  o.out,
                  `eps${k}-sigma${j}-median-recon`,
                  med,
                  [B, g.size, g.size],
                  ranges,
                )),
              );
              outFiles.push(
                ...(await writeStack(
                  o.out,
                  `eps${k}-sigma${j}-certified-recon`,
                  cer,
                  [B, g.size, g.size],
                  ranges,
                )),
              );
            }
          }
          best.push({
            epsSpec: spec.text,
            sigma: sweep.best?.sigma ?? null,
            meanCertifiedPsnr: sweep.best?.meanCertifiedPsnr ?? null,
            reason: sweep.bestReason,
            perSigma: sweep.perSigma.map((p) => ({
              sigma: p.sigma,
              meanCertifiedPsnr: p.meanCertifiedPsnr,
              meanMedianPsnr: p.meanMedianPsnr,
            })),
          });
        } finally {
          if (attacked) tf.dispose([attacked.delta, attacked.perturbedMeasurement, attacked.perturbedRecon]);
        }
      }
      const summary = {
        model: inp.modelName,
        geometry: g,
        data: { spec: o.data, source: inp.source, slices: inp.ids },
        noise: inp.noise,
        seed: o.seed,
        settings: {
          sigma: sigmas,
          samples: o.samples,
          confidence: o.confidence,
          space: o.space,
          quantile: o.quantile,
          attack: o.attack,
          attackSteps: attack ? o.attackSteps : null,
        },
        units:
          'discrepancy = (1/n) ||f(y + noise) - f(y)||^2 (papers/002 eq. 1, 6); PSNR data range = max - min of the reference',
        results,
        bestSigma: best,
      };
      if (o.out) {
        const file = path.join(o.out, 'summary.json');
        outFiles.push(file);
        await writeFileAtomic(file, `${JSON.stringify({ ...summary, files: outFiles }, null, 2)}\n`);
      }
      if (o.json) printJson(summary);
      else {
        console.log(`${inp.modelName}; ${describeGeometry(g)}; ${B} slice(s) from ${inp.source}`);
        console.log(
          `smoothing in ${o.space}, S = ${o.samples}, confidence ${o.confidence}${attack ? `, inputs attacked by ${o.attack}` : ''}`,
        );
        for (const r of results) {
          const cert = r.abstain
            ? `abstain (${r.reason})`
            : `certified ${(r.certified as number).toExponential(3)} (K ${r.k})`;
          const q =
            r.psnr.median !== null
              ? `, PSNR median ${r.psnr.median.toFixed(2)} dB` +
                (r.psnr.certified !== null ? ` / certified ${r.psnr.certified.toFixed(2)} dB` : '')
              : '';
          console.log(
            `  slice ${r.slice} eps ${r.epsSpec} sigma ${r.sigma}: median ${r.median.toExponential(3)}, ${cert}${q}`,
          );
        }
        for (const b of best)
          console.log(
            b.sigma === null
              ? `eps ${b.epsSpec}: no best sigma (${b.reason})`
              : `eps ${b.epsSpec}: best sigma ${b.sigma} (mean certified PSNR ${(b.meanCertifiedPsnr as number).toFixed(2)} dB)`,
          );
        if (o.out) console.log(`wrote ${o.out}/summary.json and ${outFiles.length - 1} image and .npy files`);
      }
    } finally {
      inp.dispose();
    }
  });
}
