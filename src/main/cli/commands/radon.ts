import type { Command } from 'commander';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { InputError } from '@shared/errors';
import {
  radonForwardArray,
  radonAdjointArray,
  fbpArray,
  FILTER_NAMES,
  type FilterName,
} from '../../engine/physics';
import { readNpy, writeNpy } from '../../engine/io/npy';
import { ensureParent, parseChoice, parseIntOption, parseNumberOption, printJson } from '../context';

/** Interpret an .npy shape as a batch of 2-D arrays: [R,C] -> batch 1, [B,R,C] -> batch B. */
function asBatch(file: string, shape: number[], what: string): { batch: number; rows: number; cols: number } {
  if (shape.length === 2) return { batch: 1, rows: shape[0], cols: shape[1] };
  if (shape.length === 3) return { batch: shape[0], rows: shape[1], cols: shape[2] };
  if (shape.length === 4 && shape[3] === 1) return { batch: shape[0], rows: shape[1], cols: shape[2] };
  throw new InputError(
    `${file}: expected ${what} as [R,C], [B,R,C] or [B,R,C,1], got shape (${shape.join(', ')})`,
  );
}

function outShape(batched: boolean, batch: number, rows: number, cols: number): number[] {
  return batched ? [batch, rows, cols] : [rows, cols];
}

function checkFinite(file: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new InputError(`${file}: value ${i} is ${data[i]} (NaN or infinite values cannot be projected)`);
  }
}

interface Common {
  in: string;
  out: string;
  json?: boolean;
}

async function report(o: Common, g: Geometry, what: string, shape: number[], ms: number): Promise<void> {
  const summary = { op: what, in: o.in, out: o.out, shape, geometry: g, ms: Math.round(ms * 10) / 10 };
  if (o.json) printJson(summary);
  else console.log(`wrote ${o.out}: ${what} (${shape.join('x')}) in ${summary.ms} ms`);
}

export function registerRadon(program: Command): void {
  const radon = program
    .command('radon')
    .description(
      'parallel-beam projector A, its adjoint A^T and FBP on .npy arrays (DESIGN.md section 3 conventions)',
    );

  radon
    .command('forward')
    .description('images [N,N] or [B,N,N] -> sinograms [A,D] or [B,A,D]')
    .requiredOption('--in <x.npy>', 'input image(s)')
    .requiredOption('--views <A>', 'number of views over [0, 180) degrees', parseIntOption('views', 1, 10000))
    .option(
      '--detectors <D>',
      'detector bins (default ceil(N*sqrt(2)))',
      parseIntOption('detectors', 1, 16384),
    )
    .requiredOption('--out <y.npy>', 'output sinogram(s)')
    .option('--json', 'print a JSON summary')
    .action(async (o: Common & { views: number; detectors?: number }) => {
      const x = await readNpy(o.in);
      const { batch, rows, cols } = asBatch(o.in, x.shape, 'images');
      if (rows !== cols) throw new InputError(`${o.in}: images must be square, got ${rows}x${cols}`);
      checkFinite(o.in, x.data);
      const g = makeGeometry({ size: rows, views: o.views, detectors: o.detectors });
      const t0 = performance.now();
      const y = radonForwardArray(x.data, batch, g);
      const ms = performance.now() - t0;
      const shape = outShape(x.shape.length > 2, batch, g.views, g.detectors);
      await ensureParent(o.out);
      await writeNpy(o.out, y, shape);
      await report(o, g, 'forward', shape, ms);
    });

  const sinogramCommand = (name: 'adjoint' | 'fbp', description: string): Command =>
    radon
      .command(name)
      .description(description)
      .requiredOption('--in <y.npy>', 'input sinogram(s) [A,D] or [B,A,D]')
      .requiredOption('--size <N>', 'output image side N', parseIntOption('size', 2, 4096))
      .requiredOption('--out <x.npy>', 'output image(s)')
      .option('--json', 'print a JSON summary');

  const loadSinogram = async (o: Common & { size: number }) => {
    const y = await readNpy(o.in);
    const { batch, rows, cols } = asBatch(o.in, y.shape, 'sinograms');
    checkFinite(o.in, y.data);
    const g = makeGeometry({ size: o.size, views: rows, detectors: cols });
    return { y, batch, g };
  };

  sinogramCommand(
    'adjoint',
    'sinograms -> images by the exact transpose A^T (unfiltered backprojection)',
  ).action(async (o: Common & { size: number }) => {
    const { y, batch, g } = await loadSinogram(o);
    const t0 = performance.now();
    const x = radonAdjointArray(y.data, batch, g);
    const ms = performance.now() - t0;
    const shape = outShape(y.shape.length > 2, batch, g.size, g.size);
    await ensureParent(o.out);
    await writeNpy(o.out, x, shape);
    await report(o, g, 'adjoint', shape, ms);
  });

  sinogramCommand('fbp', 'sinograms -> images by filtered backprojection, scaled so FBP(A x) ~ x')
    .option(
      '--filter <name>',
      `filter: ${FILTER_NAMES.join(', ')}`,
      parseChoice('filter', FILTER_NAMES),
      'ram-lak',
    )
    .option(
      '--cutoff <c>',
      'frequency cutoff in (0, 1], fraction of Nyquist',
      parseNumberOption('cutoff', 0, 1),
      1,
    )
    .action(async (o: Common & { size: number; filter: FilterName; cutoff: number }) => {
      const { y, batch, g } = await loadSinogram(o);
      const t0 = performance.now();
      const x = fbpArray(y.data, batch, g, { filter: o.filter, cutoff: o.cutoff });
      const ms = performance.now() - t0;
      const shape = outShape(y.shape.length > 2, batch, g.size, g.size);
      await ensureParent(o.out);
      await writeNpy(o.out, x, shape);
      await report(o, g, `fbp (${o.filter}, cutoff ${o.cutoff})`, shape, ms);
    });
}
