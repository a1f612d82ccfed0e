/**
 * Build the sample report (tests/unit/report/sample-input.ts: phantoms, real projector and FBP, stand-in
 * models) at the demo size, to render and look at:
 *
 *   npx tsx --tsconfig tsconfig.node.json bench/report-sample.ts [out.pdf] [--size 128] [--slices 6] [--samples 100]
 *   pdftoppm -r 60 -png out.pdf page
 *
 * Default output: bench/results/report-sample.pdf.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { buildReport } from '../src/main/engine/audit/report/index';
import { makeSampleReportInput } from '../tests/unit/report/sample-input';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const positional = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const out = positional[0] ?? path.join('bench', 'results', 'report-sample.pdf');
mkdirSync(path.dirname(out), { recursive: true });
const t0 = performance.now();
const input = makeSampleReportInput({
  size: option('size', 128),
  slices: option('slices', 6),
  samples: option('samples', 100),
});
const t1 = performance.now();
await buildReport(input, out);
const t2 = performance.now();
console.log(`sample input ${(t1 - t0).toFixed(0)} ms, report ${(t2 - t1).toFixed(0)} ms -> ${out}`);
