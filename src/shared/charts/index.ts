/**
 * charts: ECharts option builders defined once and used by the PDF report (rendered to SVG in Node) and by
 * the UI (live charts): rho-hat(eps) curves, the sigma sweep, training curves; the shared model palette; the
 * charts' data from result lines and summary.json (from-results.ts).
 * Pure functions over plain data (src/shared/report-input.ts); no DOM or Node APIs.
 */
export * from './palette';
export { axisTypeFor, toPercent } from './axis';
export * from './rho-hat-chart';
export * from './sigma-sweep-chart';
export * from './training-chart';
export * from './from-results';
