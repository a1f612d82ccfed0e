import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { GEOMETRY_PRESETS, makeGeometry, describeGeometry, type GeometryPresetName } from '@shared/geometry';
import { parseNoiseSpec, describeNoise } from '@shared/noise-spec';
import { UsageError } from '@shared/errors';
import { xArrayToHu, type Window } from '@shared/units';
import {
  readDicomFile,
  frameToCanonical,
  applyWindow,
  windowFromFile,
  windowPreset,
  publicMeta,
} from '../../engine/dicom';
import { FILTER_NAMES, type FilterName } from '../../engine/physics';
import { fbpBaseline } from '../../engine/pipeline/fbp-baseline';
import { writeNpy, writeFileAtomic } from '../../engine/io/npy';
import { writeGrayPng } from '../../engine/io/png';
import { parseChoice, parseIntOption, parseNumberOption, printJson, startBackend } from '../context';

const PRESETS = Object.keys(GEOMETRY_PRESETS) as GeometryPresetName[];

/** "--window soft-tissue" or "--window 40,400" (centre,width in HU). */
export function parseWindowOption(text: string): Window {
  const m = /^\s*(-?[0-9.]+)\s*[,/]\s*([0-9.]+)\s*$/.exec(text);
  if (m) {
    const w = { name: `C${m[1]}/W${m[2]}`, center: Number(m[1]), width: Number(m[2]) };
    if (!(w.width >= 1)) throw new UsageError(`--window width must be >= 1 HU, got ${m[2]}`);
    return w;
  }
  try {
    return windowPreset(text);
  } catch (e) {
    throw new UsageError(`--window: ${(e as Error).message}; or give centre,width in HU (e.g. 40,400)`);
  }
}

interface ReconstructOptions {
  size?: number;
  views?: number;
  preset: GeometryPresetName;
  filter: FilterName;
  cutoff: number;
  noise: string;
  seed: number;
  frame: number;
  window?: string;
  out: string;
  allowNonCt?: boolean;
  json?: boolean;
}

export function registerReconstruct(program: Command): void {
  program
    .command('reconstruct')
    .description(
      'DICOM slice -> canonical image -> simulated sinogram (+ noise) -> FBP; writes .npy, PNG and PSNR/SSIM',
    )
    .argument('<dicom>', 'a CT DICOM file')
    .option(
      '--preset <name>',
      `geometry preset: ${PRESETS.join(', ')} (overridden by --size/--views)`,
      parseChoice('preset', PRESETS),
      'demo',
    )
    .option('--size <N>', 'image side N in pixels', parseIntOption('size', 8, 2048))
    .option('--views <A>', 'views over [0, 180) degrees', parseIntOption('views', 1, 10000))
    .option(
      '--filter <name>',
      `FBP filter: ${FILTER_NAMES.join(', ')}`,
      parseChoice('filter', FILTER_NAMES),
      'ram-lak',
    )
    .option(
      '--cutoff <c>',
      'filter cutoff in (0, 1], fraction of Nyquist',
      parseNumberOption('cutoff', 0, 1),
      1,
    )
    .option('--noise <spec>', 'none | gaussian:<sigma> | gaussian:<r>% | poisson:<I0>', 'none')
    .option('--seed <s>', 'seed for the noise', parseIntOption('seed', 0), 0)
    .option(
      '--frame <k>',
      'frame number for multi-frame files (1-based, as DICOM numbers frames)',
      parseIntOption('frame', 1),
      1,
    )
    .option(
      '--window <w>',
      "display window for PNGs: soft-tissue, lung, bone, brain or centre,width (default: the file's own, else soft-tissue)",
    )
    .option('--allow-non-ct', 'accept non-CT modalities (values are then not HU)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--json', 'print a JSON summary on stdout')
    .action(async (file: string, o: ReconstructOptions, cmd: Command) => {
      const noise = parseNoiseSpec(o.noise);
      const window = o.window ? parseWindowOption(o.window) : undefined;
      const preset = GEOMETRY_PRESETS[o.preset];
      const g = makeGeometry({ size: o.size ?? preset.size, views: o.views ?? preset.views });
      await startBackend(cmd);

      const image = await readDicomFile(file, { allowNonCt: o.allowNonCt });
      const frame = image.frames[o.frame - 1];
      if (!frame) {
        throw new UsageError(
          `${file}: --frame ${o.frame} is out of range (the file has ${image.frames.length} frame(s))`,
        );
      }
      const slice = frameToCanonical(frame, image.meta.rows, image.meta.columns, g.size);
      const pixelSizeMm = slice.spacingMm ? Math.sqrt(slice.spacingMm[0] * slice.spacingMm[1]) : undefined;
      const r = fbpBaseline(slice.x, g, {
        filter: o.filter,
        cutoff: o.cutoff,
        noise,
        seed: o.seed,
        pixelSizeMm,
      });

      await fs.mkdir(o.out, { recursive: true });
      const win = window ?? windowFromFile(image.meta) ?? windowPreset('soft-tissue');
      const files = {
        reference: path.join(o.out, 'reference.npy'),
        sinogram: path.join(o.out, 'sinogram.npy'),
        fbp: path.join(o.out, 'fbp.npy'),
        referencePng: path.join(o.out, 'reference.png'),
        fbpPng: path.join(o.out, 'fbp.png'),
        summary: path.join(o.out, 'summary.json'),
      };
      await writeNpy(files.reference, slice.x, [g.size, g.size]);
      await writeNpy(files.sinogram, r.measured, [g.views, g.detectors]);
      await writeNpy(files.fbp, r.fbp, [g.size, g.size]);
      await writeGrayPng(files.referencePng, applyWindow(xArrayToHu(slice.x), win), g.size, g.size);
      await writeGrayPng(files.fbpPng, applyWindow(xArrayToHu(r.fbp), win), g.size, g.size);

      const summary = {
        input: { file: path.basename(file), frame: o.frame, dicom: publicMeta(image.meta) },
        geometry: g,
        pixelSpacingMm: slice.spacingMm,
        filter: { name: o.filter, cutoff: o.cutoff },
        noise: { ...noise, seed: o.seed, relativeNoise: r.relativeNoise },
        window: { center: win.center, width: win.width, name: win.name },
        psnr: r.psnr,
        ssim: r.ssim,
        dataRange: r.dataRange,
        units: 'canonical x = max(0, 1 + HU/1000); PSNR data range = max - min of the reference',
        files,
      };
      await writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
      if (o.json) printJson(summary);
      else {
        console.log(
          `${path.basename(file)}: ${describeGeometry(g)}; ${describeNoise(noise)}; FBP ${o.filter} (cutoff ${o.cutoff})`,
        );
        console.log(
          `PSNR ${r.psnr.toFixed(2)} dB, SSIM ${r.ssim.toFixed(4)} (data range ${r.dataRange.toFixed(3)}, canonical units)`,
        );
        console.log(
          `wrote ${o.out}/{reference,sinogram,fbp}.npy, reference.png, fbp.png, summary.json (window C${win.center}/W${win.width})`,
        );
      }
    });
}
