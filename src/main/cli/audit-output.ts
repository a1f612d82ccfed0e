/**
 * What the audit-shaped commands print: the rho-hat and certification tables of a summary, and the outcome
 * of a run (their progress on stderr: progress.ts).
 */
import type { AuditSummary } from '@shared/audit-results';
import type { AuditOutcome } from '../engine/audit';

function num(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toPrecision(digits);
}

function radiusText(e: { spec: string; meanHu: number | null; meanRelative: number | null }): string {
  const hu = e.meanHu === null ? '' : ` = ${num(e.meanHu, 3)} HU`;
  const rel = e.meanRelative === null || e.spec.endsWith('%') ? '' : ` = ${num(100 * e.meanRelative, 3)}%`;
  return `${e.spec}${hu}${rel}`;
}

function db(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : `${v.toFixed(2)} dB`;
}

/**
 * The rho-hat table and, like papers/002 Table 1, per model and radius: the perturbed PSNR (no smoothing), the
 * smoothed PSNR and the certified PSNR at the best sigma.
 */
export function printSummary(s: AuditSummary): void {
  if (s.attack) {
    const eps = s.attack.eps;
    const header = ['model', 'clean', ...eps.map((e) => `eps ${e.spec}`)];
    const rows = s.rhoHat.map((r) => [
      r.model,
      num(r.clean.mean),
      ...r.points.map((p) => `${num(p.rhoHat)} ±${num(p.stats.std, 2)}`),
    ]);
    console.log(
      `rho-hat(eps) = mean over ${s.slices.count} slice(s) of Delta_max = ||f(y') - x|| (${s.attack.kind}, ${s.attack.space} space; radii: ${eps.map(radiusText).join(', ')}):`,
    );
    printTable(header, rows);
  }
  const c = s.certification;
  if (c && s.attack) {
    console.log(
      `at each attacked input: smoothed and certified PSNR at the best sigma (S = ${c.samples}, confidence ${c.confidence}; certified: the smoothed median error against the ${c.reference === 'truth' ? 'reference slice' : 'clean reconstruction'} at every input within the radius):`,
    );
    const rows: string[][] = [];
    for (const r of s.rhoHat) {
      for (const p of r.points) {
        const b = c.bestSigma.find((x) => x.model === r.model && x.epsIndex === p.epsIndex);
        const t = b
          ? c.table.find(
              (x) => x.model === r.model && x.epsIndex === p.epsIndex && x.sigmaIndex === b.sigmaIndex,
            )
          : undefined;
        rows.push([
          r.model,
          p.spec,
          db(p.meanPsnr),
          b?.sigma
            ? `${b.sigma}${t?.meanSigmaHu !== null && t ? ` (${num(t.meanSigmaHu, 3)} HU)` : ''}`
            : 'none',
          db(t?.meanSmoothedPsnr),
          b?.sigmaIndex === null || !b ? `abstain: ${b?.reason ?? '-'}` : db(b.meanCertifiedPsnr),
        ]);
      }
    }
    printTable(['model', 'radius', 'perturbed', 'best sigma', 'smoothed', 'certified'], rows);
  }
}

export function printTable(header: string[], rows: string[][]): void {
  const cells = [header, ...rows];
  const w = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  for (const r of cells)
    console.log(`  ${r.map((v, c) => (c === 0 ? v.padEnd(w[c]) : v.padStart(w[c]))).join('  ')}`);
}

export function printOutcome(r: AuditOutcome): void {
  printSummary(r.summary);
  console.log(
    `${r.units.computed} of ${r.units.total} slice x model unit(s) computed${r.units.resumed > 0 ? ` (${r.units.resumed} from the earlier run)` : ''}`,
  );
  for (const k of r.skipped) console.log(`  skipped slice ${k.slice} (${k.id}) for ${k.model}: ${k.reason}`);
  console.log(`audit folder: ${r.outDir} (spec.json, manifest.json, results.jsonl, summary.json, images/)`);
  if (r.report) console.log(`report: ${r.report}`);
  else if (r.reportError) console.log(`no report.pdf: ${r.reportError}`);
}
