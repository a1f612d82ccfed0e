/** The report's section headings, in order (tests check each is present). */
export const REPORT_SECTIONS = [
  'Summary',
  'Models',
  'Data',
  'Robustness under worst-case perturbations',
  'Certification by randomized smoothing',
  'Worst-case examples',
  'Per-slice results',
  'Definitions',
  'Reproducibility',
] as const;

export type ReportSectionName = (typeof REPORT_SECTIONS)[number];
