/**
 * The report's references, numbered as cited. The code and the model cards refer to the papers by their
 * file names (papers/000_..., DESIGN.md); a reader needs authors, title, venue and year. Every string the
 * report writes passes `citeText` (ReportDoc.text), so no internal file name reaches the PDF.
 *
 * Sources of the entries: [1] is cited so in papers/002's own bibliography (its ref. [34]); [2] is the
 * published version of papers/002, whose text is the anonymous submission "Certified Adversarial Defense
 * Methods for Inverse Problems" (same abstract, NeurIPS 2024 workshop page); papers/001 are the slides of [1];
 * [3] and [4] are cited by papers/000 and papers/002 ([8]); [5] defines SSIM.
 */
export interface Reference {
  /** Number in the text, [n]. */
  n: number;
  /** The papers/ file prefix that maps to this reference, when it is one of them. */
  file?: string;
  authors: string;
  title: string;
  venue: string;
  year: number;
  /** How the report uses it, e.g. "ρ̂ (eq. 8-9), min-max training (Algorithm 1)". */
  usedFor: string;
}

export const REFERENCES: readonly Reference[] = [
  {
    n: 1,
    file: 'papers/000',
    authors: 'A. Raj, Y. Bresler and B. Li',
    title: 'Improving robustness of deep-learning-based image reconstruction',
    venue:
      'Proceedings of the 37th International Conference on Machine Learning (ICML), PMLR 119, pp. 7932–7942',
    year: 2020,
    usedFor:
      'measurement-space attacks, Δmax and ρ̂(ε) (eq. 8-9), min-max training (Algorithm 1, eq. 7), l2 and Parseval baselines',
  },
  {
    n: 2,
    file: 'papers/002',
    authors: 'Y. Sun and J. Scarlett',
    title: 'Smoothing-based adversarial defense methods for inverse problems',
    venue:
      'NeurIPS 2024 Workshop on New Frontiers in Adversarial Machine Learning (AdvML-Frontiers); equations and algorithms as numbered in the submitted version, "Certified adversarial defense methods for inverse problems"',
    year: 2024,
    usedFor:
      'smoothed discrepancy (eq. 6), certified bound (Corollary 3.2, eq. 7), Algorithms 1-4, the Adv and Jcb baselines',
  },
  {
    n: 3,
    authors: 'K. H. Jin, M. T. McCann, E. Froustey and M. Unser',
    title: 'Deep convolutional neural network for inverse problems in imaging',
    venue: 'IEEE Transactions on Image Processing 26(9), pp. 4509–4522',
    year: 2017,
    usedFor: 'FBPConvNet: FBP followed by a residual U-Net',
  },
  {
    n: 4,
    authors: 'J. Cohen, E. Rosenfeld and J. Z. Kolter',
    title: 'Certified adversarial robustness via randomized smoothing',
    venue:
      'Proceedings of the 36th International Conference on Machine Learning (ICML), PMLR 97, pp. 1310–1320',
    year: 2019,
    usedFor: 'randomized smoothing with Gaussian noise',
  },
  {
    n: 5,
    authors: 'Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli',
    title: 'Image quality assessment: from error visibility to structural similarity',
    venue: 'IEEE Transactions on Image Processing 13(4), pp. 600–612',
    year: 2004,
    usedFor: 'SSIM',
  },
];

/**
 * Internal paper names -> citation numbers: "papers/000_69bf....txt" and "papers/000" -> "[1]"; the slides
 * (papers/001) are the talk of [1]. "eq. 8 of papers/000" reads "eq. 8 of [1]".
 */
export function citeText(s: string): string {
  return s.replace(/papers\/(00\d)(?:_[0-9a-f]+(?:\.txt)?)?( B\b)?/g, (m, k: string, appendix?: string) => {
    const file = k === '001' ? 'papers/000' : `papers/${k}`;
    const r = REFERENCES.find((x) => x.file === file);
    if (!r) return m;
    return `[${r.n}${k === '001' ? ', slides' : appendix ? ', appendix B' : ''}]`;
  });
}

/** A reference as printed in the list: "[1] A. Raj, ... . Title. Venue, 2020." */
export function referenceText(r: Reference): string {
  return `[${r.n}] ${r.authors}. ${r.title}. ${r.venue}, ${r.year}. Used for: ${r.usedFor}.`;
}
