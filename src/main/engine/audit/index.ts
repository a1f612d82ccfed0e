/**
 * audit: the product's main job (DESIGN.md sections 4-6).
 *   runAudit({ spec, outDir, resume, job })     spec -> audit folder (runner.ts)
 *   runBatch({ folders, spec, outDir, ... })     one audit per DICOM series of a folder tree (batch.ts)
 *   runDemo                                      the demo (demo.ts; `reproduce` lives in engine/reproduce)
 *   summarize(lines) / writeSummary(dir)         summary.json from results.jsonl alone (summary.ts)
 *   evaluateUnit(...)                            one slice x one model (evaluate-unit.ts)
 *   openResults / readResults / parseResults     results.jsonl with resume (result-store.ts)
 *   buildReportInput(dir) / writeAuditReport     report.pdf from an audit folder (report-input.ts, report.ts)
 *   inventoryData(sources)                       input files, hashes, series, identifiers (inventory.ts)
 *   readIdentifiers / redactionTerms / makeRedactor   PHI handling (phi.ts)
 */
export {
  runAudit,
  writeSummary,
  SPEC_FILE,
  SUMMARY_FILE,
  type AuditOutcome,
  type RunAuditOptions,
} from './runner';
export { summarize, stats } from './summary';
export { evaluateUnit, linesPerUnit, type UnitImages } from './evaluate-unit';
export { openResults, readResults, parseResults, RESULTS_FILE, type ReadResults } from './result-store';
export { buildReportInput, sliceLabel } from './report-input';
export { writeAuditReport, REPORT_PDF } from './report';
export { inventoryData, type DataInventory, type InventoryFile, type InventorySeries } from './inventory';
export { readIdentifiers, redactionTerms, makeRedactor, stringifyRedacted, REDACTED } from './phi';
export { MANIFEST_FILE, readManifest, type AuditManifest } from './manifest';
export {
  runBatch,
  BATCH_FILE,
  SERIES_DIR,
  type BatchRecord,
  type BatchOutcome,
  type RunBatchOptions,
} from './batch';
export { runDemo, DEMO_METHODS, DEMO_TRAIN_STEPS } from './demo';
