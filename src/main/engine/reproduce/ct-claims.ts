/**
 * The claim of `reproduce ct-robustness`, tested per method and radius with a paired test over the slices:
 *
 *   papers/000 section 4: adversarially (min-max) trained models have lower rho-hat than normally trained and
 *   Parseval ones for every eps > 0 (Figures 4a/4b; "the adversarially trained models outperform the normally
 *   trained and Parseval networks");
 *   papers/002 section 4: estimators trained with Adv, Smt-Adv or Smt-Grad are more robust than Ord, and
 *   Smt-Adv / Smt-Grad "consistently outperform the other three baselines" under perturbation.
 *
 * So for pgd, minmax, smt-adv and smt-grad: Delta_max(method, slice, eps) < Delta_max(ord, slice, eps), tested
 * on the per-slice differences (same slices, same attack settings) with the exact sign-flip test
 * (paired-test.ts). A method's verdict:
 *   reproduced    the test supports "lower" at EVERY eps > 0 (p < alpha each; requiring all of them is an
 *                 intersection-union test, valid at level alpha without a multiplicity correction)
 *   differs       at some eps > 0 the method is significantly HIGHER than ord, with Bonferroni's alpha / k
 *                 over the k radii
 *   inconclusive  otherwise (too few slices, too small an effect, or mixed signs)
 * l2, parseval and jacobian carry no claim (papers/000 and papers/002 baselines): their tests are shown.
 */
import type { ResultLine } from '@shared/audit-results';
import type { Verdict } from '@shared/reproduce-verdict';
import { stats } from '../audit/summary';
import {
  pairedOutcome,
  signFlipTest,
  wilcoxonSignedRank,
  type PairedOutcome,
  type PairedTestResult,
  type WilcoxonResult,
} from './paired-test';

/** What the papers claim about each method's rho-hat against ord at eps > 0. */
export const PAPER_CLAIMS: Readonly<Record<string, { claim: 'lower' | null; source: string }>> = {
  ord: { claim: null, source: 'baseline' },
  l2: { claim: null, source: 'papers/000: baseline (no robustness claim)' },
  parseval: { claim: null, source: 'papers/000: baseline, worse than min-max' },
  pgd: { claim: 'lower', source: 'papers/002 Adv' },
  minmax: { claim: 'lower', source: 'papers/000 Fig. 4' },
  jacobian: { claim: null, source: 'papers/002 Jcb: baseline' },
  'smt-adv': { claim: 'lower', source: 'papers/002 Smt-Adv' },
  'smt-grad': { claim: 'lower', source: 'papers/002 Smt-Grad' },
};

/** The claims verbatim, for the report's source block. */
export const CLAIM_VERBATIM = [
  'papers/000 section 4.1: "It can be seen that rho-hat is lower for the adversarially-trained models compared',
  'to other training methods: no regularization, l2-norm regularization on weights, and Parseval networks ...',
  'for different eps\'s" (Figures 4a, 4b; its CT experiment, slides 001, shows images only).',
  'papers/002 section 4.4: "Even in the absence of test-time smoothing (sigma = 0), estimators trained with',
  'Smt-Adv or Smt-Grad consistently outperform the other three baselines."',
];

export interface Spread {
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface PairedComparison {
  epsIndex: number;
  spec: string;
  meanRelative: number | null;
  meanHu: number | null;
  /** Delta_max over the slices for the method and for ord. */
  method: Spread;
  ord: Spread;
  /** rho-hat(method) / rho-hat(ord). */
  ratio: number | null;
  signFlip: PairedTestResult;
  wilcoxon: WilcoxonResult;
  /** The sign-flip test's outcome for "lower than ord". */
  outcome: PairedOutcome;
}

export interface ClaimRow {
  method: string;
  claim: 'lower' | null;
  source: string;
  clean: Spread;
  comparisons: PairedComparison[];
  /** null: no claim (or no ord). */
  verdict: Verdict | null;
  why: string;
}

function spread(v: readonly number[]): Spread {
  const s = stats(v);
  return { mean: s.mean, std: s.std, min: s.min, max: s.max };
}

/** Per-slice Delta_max of `model` at grid point k, keyed by slice index. */
function errorsAt(lines: readonly ResultLine[], model: string, k: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of lines)
    if (l.model.name === model && l.epsIndex === k) m.set(l.slice.index, l.attack.perturbed.error);
  return m;
}

/** The verdict of one claimed method from its comparisons at eps > 0 (file comment). */
export function claimVerdict(
  comparisons: readonly PairedComparison[],
  alpha: number,
): { verdict: Verdict; why: string } {
  const positive = comparisons.filter((c) => (c.meanRelative ?? 1) > 0);
  if (positive.length === 0) return { verdict: 'inconclusive', why: 'no radius > 0 was attacked' };
  const p = (c: PairedComparison) => `${c.spec}: p ${c.signFlip.p.toPrecision(2)}`;
  const higher = positive.filter(
    (c) => c.signFlip.meanDifference > 0 && c.signFlip.p < alpha / positive.length,
  );
  if (higher.length > 0)
    return {
      verdict: 'differs',
      why: `higher than ord at ${higher.map(p).join(', ')} (< alpha/${positive.length} = ${(alpha / positive.length).toPrecision(2)})`,
    };
  if (positive.every((c) => c.outcome === 'supports'))
    return {
      verdict: 'reproduced',
      why: `lower than ord at every eps > 0 (${positive.map(p).join(', ')} < ${alpha})`,
    };
  const weak = positive.filter((c) => c.outcome !== 'supports');
  return {
    verdict: 'inconclusive',
    why: `no supported ordering at ${weak.map((c) => `${p(c)}, mean difference ${c.signFlip.meanDifference.toPrecision(2)}`).join('; ')}`,
  };
}

/**
 * The claim table of audit result lines whose model names are the method names ('ord' among them): per
 * method and radius the spread over slices and the paired tests against ord on the slices both have.
 */
export function claimTable(lines: readonly ResultLine[], o: { alpha: number; seed?: string }): ClaimRow[] {
  const models = [...new Map(lines.map((l) => [l.model.index, l.model.name])).entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, name]) => name);
  const eps = [...new Map(lines.map((l) => [l.epsIndex, l.eps.spec])).entries()].sort((a, b) => a[0] - b[0]);
  const hasOrd = models.includes('ord');
  return models.map((method) => {
    const known = PAPER_CLAIMS[method] ?? {
      claim: null,
      source: method === 'fbp' ? 'FBP (no training)' : '',
    };
    const cleanBySlice = new Map<number, number>();
    for (const l of lines) if (l.model.name === method) cleanBySlice.set(l.slice.index, l.clean.error);
    const comparisons: PairedComparison[] = [];
    if (hasOrd && method !== 'ord') {
      for (const [k, spec] of eps) {
        const mine = errorsAt(lines, method, k);
        const ord = errorsAt(lines, 'ord', k);
        const slices = [...mine.keys()].filter((s) => ord.has(s)).sort((a, b) => a - b);
        const a = slices.map((s) => mine.get(s) as number);
        const b = slices.map((s) => ord.get(s) as number);
        const d = a.map((v, i) => v - b[i]);
        const at = lines.filter((l) => l.model.name === method && l.epsIndex === k);
        const meanOf = (v: (number | null)[]) =>
          v.length === 0 || v.some((x) => x === null)
            ? null
            : (v as number[]).reduce((s, x) => s + x, 0) / v.length;
        const signFlip = signFlipTest(d, { seed: `${o.seed ?? 'claims'}/${method}/${k}` });
        const ordMean = b.reduce((s, v) => s + v, 0) / Math.max(1, b.length);
        comparisons.push({
          epsIndex: k,
          spec,
          meanRelative: meanOf(at.map((l) => l.eps.relative)),
          meanHu: meanOf(at.map((l) => l.eps.hu)),
          method: spread(a),
          ord: spread(b),
          ratio: ordMean > 0 ? a.reduce((s, v) => s + v, 0) / a.length / ordMean : null,
          signFlip,
          wilcoxon: wilcoxonSignedRank(d),
          outcome: pairedOutcome(signFlip, -1, o.alpha),
        });
      }
    }
    const judged = known.claim === 'lower' && hasOrd ? claimVerdict(comparisons, o.alpha) : null;
    return {
      method,
      claim: known.claim,
      source: known.source,
      clean: spread([...cleanBySlice.values()]),
      comparisons,
      verdict: judged?.verdict ?? null,
      why: judged?.why ?? (known.claim === 'lower' ? 'no ord to compare with' : 'no claim'),
    };
  });
}
