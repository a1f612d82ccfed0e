/**
 * The `reproduce linear-theory` comparison (src/shared/reproduce-verdict.ts): papers/000 section 4.4's bullet
 * metrics verbatim, ours beside them with the rule that decides each row, the settings that differ, and notes
 * computed from the measurements that explain kappa. Rules:
 *  - ||B-hat - B|| / ||B|| (Frobenius, spectral): the paper's claim is "B-hat converges to B"; a row is
 *    reproduced when ours is at most twice the paper's value (at least as close as the paper, up to 2x);
 *  - ||I - B A||_F / ||I - B-hat A||_F: reproduced when within 1% of 1 (the paper's 0.99936 says the two fit A
 *    equally well; 1% is 15x its distance from 1 and still says so);
 *  - kappa(B), kappa(B-hat): the paper reports one unknown draw of A, so its value is compared with our 5-95%
 *    band of kappa(B) (Theorem 1's minimiser) over draws of A under this run's reading of the entry scale
 *    (B-hat converges to B, so the same band applies to it). Without draws the rows are inconclusive.
 *  - convergence rows are inconclusive when B-hat's own kappa is more than 5% from B's (not converged).
 */
import {
  atMostRow,
  inconclusive,
  makeReport,
  withinRow,
  type ComparisonRow,
  type ReproduceReport,
} from '@shared/reproduce-verdict';
import { LINEAR_THEORY_PAPER, type LinearTheoryResult } from './experiment';

/** The paper's values, or others in their place (tests check that the verdict follows the numbers). */
export type LinearTheoryPaper = Record<keyof typeof LINEAR_THEORY_PAPER, number>;
import { ENTRY_SCALE_READINGS, type EntryScaleReading } from './problem';
import type { Quantiles } from './kappa-distribution';

/** papers/000 section 4.4, the three bullets, verbatim (the extraction's characters kept). */
export const LINEAR_THEORY_VERBATIM = [
  '• ‖B̂−B‖F /‖B‖F = 0.024, ‖B̂−B‖2/‖B‖2 = 0.034',
  '• ‖I − BÃ‖F /‖I − B̂Ã‖F = 0.99936, where I is the identity matrix of size 20× 20',
  '• κ(B) = 19.231, κ(B̂) = 19.311, κ: condition number',
];

function f(v: number, d = 4): string {
  return Number.isFinite(v) ? Number(v.toPrecision(d)).toString() : String(v);
}

function band(q: Quantiles): string {
  return `${f(q.median)} [${f(q.q05)}, ${f(q.q95)}]`;
}

const READING_TEXT: Record<EntryScaleReading, string> = {
  variance: 'variance 1/10 (std 0.316)',
  std: 'std 0.1',
};

export function linearTheoryReport(
  r: LinearTheoryResult,
  paper: LinearTheoryPaper = LINEAR_THEORY_PAPER,
): ReproduceReport {
  const s = r.settings;
  const converged = Math.abs(r.kappaBHat - r.kappaB) / r.kappaB <= 0.05;
  const notConverged = `kappa(B-hat) ${f(r.kappaBHat)} is more than 5% from kappa(B) ${f(r.kappaB)}: B-hat had not converged`;
  const conv = (row: ComparisonRow) => (converged ? row : inconclusive(row, notConverged));
  const rows: ComparisonRow[] = [
    conv(
      atMostRow(
        {
          quantity: '||B-hat - B||_F / ||B||_F',
          paper: paper.relFrobenius,
          paperText: '0.024',
          ours: r.relFrobenius,
          oursText: f(r.relFrobenius),
          unit: '',
        },
        2 * paper.relFrobenius,
        'twice the paper: B-hat at least about as close to B',
      ),
    ),
    conv(
      atMostRow(
        {
          quantity: '||B-hat - B||_2 / ||B||_2',
          paper: paper.relSpectral,
          paperText: '0.034',
          ours: r.relSpectral,
          oursText: f(r.relSpectral),
          unit: '',
        },
        2 * paper.relSpectral,
        'twice the paper',
      ),
    ),
    conv(
      withinRow(
        {
          quantity: '||I - B A||_F / ||I - B-hat A||_F',
          paper: paper.residualRatio,
          paperText: '0.99936',
          ours: r.residualRatio,
          oursText: f(r.residualRatio, 6),
          unit: '',
        },
        0.99 * r.residualRatio,
        1.01 * r.residualRatio,
        'value +-1%',
      ),
    ),
  ];
  const own = r.entryReading === 'custom' ? null : r.readings[r.entryReading].kappa;
  const spread = own ? `5-95% band over ${own.draws} draws of A, ${r.entryReading} reading` : '';
  for (const [quantity, pv, text, ours] of [
    ['kappa(B)', paper.kappaB, '19.231', r.kappaB],
    ['kappa(B-hat)', paper.kappaBHat, '19.311', r.kappaBHat],
  ] as const) {
    const base = { quantity, paper: pv, paperText: text, ours, oursText: `${f(ours)} (this A)`, unit: '' };
    rows.push(
      own
        ? withinRow(
            { ...base, oursText: `${f(ours)} (this A); ${band(own.minimiser)} over A` },
            own.minimiser.q05,
            own.minimiser.q95,
            spread,
          )
        : inconclusive(
            withinRow(base, ours, ours, 'value'),
            'no draws of A under this entry scale (--draws 0 or a custom scale)',
          ),
    );
  }
  return makeReport({
    experiment: 'reproduce linear-theory',
    source: {
      paper: 'papers/000',
      where: 'section 4.4 (linear network), bullet metrics',
      verbatim: LINEAR_THEORY_VERBATIM,
    },
    rows,
    differences: [
      {
        setting: 'optimizer',
        paper: 'learning rate 0.001, momentum 0.9 (SGD; batch and steps not stated)',
        ours: `Adam, full batch, ${s.train.steps} steps, lr ${s.train.learningRate} -> ${s.train.finalLearningRate}`,
        why: "under the paper's SGD B-hat lingers near the m = 2 solution for thousands of steps and is still far from the minimiser after the tracked ones (notes below; ~1e6 steps in our measurements)",
      },
      {
        setting: 'inner maximisation over delta',
        paper: 'not stated',
        ours: `${s.train.innerSteps} normalized ascent step(s) of ${s.train.innerStepSize} eps per outer step, warm-started`,
        why: 'one delta shared by all samples (eq. 6); the maximiser is on the sphere, a damped power iteration finds it',
      },
      {
        setting: 'sample mean',
        paper: 'not stated',
        ours: s.center ? 'subtracted (E x = 0 exactly)' : 'kept',
        why: 'Theorem 1 assumes E x = 0; the 1e-4 direction is sensitive to a mean of ~0.0045 (problem.ts)',
      },
      {
        setting: "entries of A, 'N(0, 1/10)'",
        paper: 'variance or standard deviation 1/10 (ambiguous)',
        ours: `std ${f(r.entryStd)} (${r.entryReading} reading; --entry-scale)`,
        why: 'both readings are measured below; kappa(B) depends on the retained singular values of A',
      },
      {
        setting: "Theorem 1's multiplicity m",
        paper: 'not stated',
        ours: `m = ${r.m}, the objective's minimiser`,
        why: `m = ${r.mReplaced.m} (the replaced values) gives q_m below 1/S_(m+1), against the theorem's own assumption, and a higher objective`,
      },
    ],
    notes: kappaNotes(r, paper),
  });
}

/** Computed sentences: kappa under both readings, which band holds the paper's value, the SGD path. */
export function kappaNotes(r: LinearTheoryResult, paper: LinearTheoryPaper = LINEAR_THEORY_PAPER): string[] {
  const out: string[] = [];
  const k = r.mReplaced.m;
  const holders: string[] = [];
  for (const reading of Object.keys(ENTRY_SCALE_READINGS) as EntryScaleReading[]) {
    const m = r.readings[reading];
    if (!m.kappa) continue;
    const { minimiser, replaced } = m.kappa;
    out.push(
      `kappa(B) with entries of ${READING_TEXT[reading]}, median [5%, 95%] over ${m.kappa.draws} draws of A: ` +
        `Theorem 1's minimiser ${band(minimiser)}, the m = ${k} candidate ${band(replaced)} (paper: 19.231 / 19.311)`,
    );
    if (paper.kappaB >= minimiser.q05 && paper.kappaB <= minimiser.q95)
      holders.push(`the minimiser under the ${reading} reading`);
    if (paper.kappaB >= replaced.q05 && paper.kappaB <= replaced.q95)
      holders.push(`the m = ${k} candidate under the ${reading} reading`);
  }
  if (out.length > 0) {
    out.push(
      holders.length > 0
        ? `the paper's kappa(B) = 19.231 lies inside the 5-95% band of ${holders.join(' and of ')} only`
        : "the paper's kappa(B) = 19.231 lies outside every band measured",
    );
  }
  for (const reading of Object.keys(ENTRY_SCALE_READINGS) as EntryScaleReading[]) {
    const t = r.readings[reading].trajectory;
    if (!t || t.points.length === 0) continue;
    const last = t.points[t.points.length - 1];
    const near = t.nearReplaced
      ? `B-hat is within ${f(t.nearTolerance, 2)} (rel. Frobenius) of the m = ${k} solution from step ${t.nearReplaced.from} to ${t.nearReplaced.to} ` +
        `(while >= ${f(t.nearReplaced.minDistanceToMinimiser, 2)} from the minimiser)`
      : `B-hat never comes within ${f(t.nearTolerance, 2)} of the m = ${k} solution`;
    out.push(
      `paper's SGD (lr 0.001, momentum 0.9), ${READING_TEXT[reading]}, this seed: ${near}; at step ${last.step} it is ` +
        `${f(last.toReplaced, 2)} from the m = ${k} solution and ${f(last.toMinimiser, 2)} from the minimiser, kappa(B-hat) ${f(last.kappaBHat)}`,
    );
  }
  return out;
}
