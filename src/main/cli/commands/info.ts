import path from 'node:path';
import type { Command } from 'commander';
import { describeGeometry, GEOMETRY_PRESETS, makeGeometry } from '@shared/geometry';
import { scanDicom, huStats, publicMeta } from '../../engine/dicom';
import type { DicomScanResult, DicomSeries } from '../../engine/dicom';
import { adapterLabel, limitsLabel } from '../../engine/backend';
import { APP_VERSION, printJson, startBackend } from '../context';

function seriesSummary(s: DicomSeries) {
  const first = s.slices[0].image.meta;
  let min = Infinity;
  let max = -Infinity;
  let padding = 0;
  const syntaxes = new Set<string>();
  for (const sl of s.slices) {
    const st = huStats(sl.image.frames[sl.frameIndex]);
    if (st.count > 0) {
      min = Math.min(min, st.min);
      max = Math.max(max, st.max);
    }
    padding += st.paddingCount;
    syntaxes.add(`${sl.image.meta.transferSyntaxUid} (${sl.image.meta.transferSyntaxName})`);
  }
  const pub = publicMeta(first);
  return {
    seriesUidHash: pub.seriesUidHash,
    modality: s.modality,
    manufacturer: pub.manufacturer,
    model: pub.manufacturerModelName,
    slices: s.slices.length,
    rows: s.rows,
    columns: s.columns,
    transferSyntaxes: [...syntaxes],
    pixelSpacingMm: pub.pixelSpacing,
    sliceThicknessMm: pub.sliceThickness,
    sliceStepsMm: s.stepsMm.length ? { min: Math.min(...s.stepsMm), max: Math.max(...s.stepsMm) } : null,
    orderedBy: s.orderedBy,
    hu: { min, max, paddingPixels: padding },
    files: s.slices.map((sl) => path.basename(sl.image.file)),
    duplicates: s.duplicates.map((d) => ({
      file: path.basename(d.file),
      duplicateOf: path.basename(d.duplicateOf),
    })),
    warnings: s.warnings,
  };
}

function printScan(scan: DicomScanResult, summaries: ReturnType<typeof seriesSummary>[]): void {
  console.log(
    `\nDICOM: ${summaries.length} series, ${scan.errors.length} unusable file(s), ${scan.notDicom.length} non-DICOM file(s)`,
  );
  summaries.forEach((s, i) => {
    const spacing = s.pixelSpacingMm ? `${s.pixelSpacingMm[0]}x${s.pixelSpacingMm[1]} mm` : 'spacing unknown';
    console.log(
      `  series ${i + 1} (${s.seriesUidHash ?? 'no UID'}): ${s.modality ?? '?'} ${s.manufacturer ?? ''} ${s.model ?? ''}`.trimEnd(),
    );
    console.log(
      `    ${s.slices} slice(s) of ${s.rows}x${s.columns}, ${spacing}` +
        (s.sliceThicknessMm !== null ? `, thickness ${s.sliceThicknessMm} mm` : '') +
        (s.sliceStepsMm
          ? `, steps ${s.sliceStepsMm.min.toFixed(3)}..${s.sliceStepsMm.max.toFixed(3)} mm`
          : '') +
        `, ordered by ${s.orderedBy}`,
    );
    console.log(
      `    HU ${s.hu.min}..${s.hu.max}${s.hu.paddingPixels ? ` (${s.hu.paddingPixels} padding pixels excluded)` : ''}`,
    );
    console.log(`    transfer syntax: ${s.transferSyntaxes.join(', ')}`);
    for (const w of s.warnings) console.log(`    warning: ${w}`);
  });
  for (const e of scan.errors) console.log(`  error: ${e.message}`);
  for (const e of scan.notDicom) console.log(`  skipped: ${e.message}`);
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description(
      'compute backend and versions; with paths: DICOM series, slices and per-file errors (de-identified)',
    )
    .argument('[paths...]', 'DICOM files or folders (searched recursively)')
    .option('--allow-non-ct', 'accept non-CT modalities')
    .option('--json', 'print one JSON object on stdout')
    .action(async (paths: string[], o: { allowNonCt?: boolean; json?: boolean }, cmd: Command) => {
      const backend = await startBackend(cmd);
      const presets = Object.fromEntries(
        Object.entries(GEOMETRY_PRESETS).map(([k, v]) => [k, describeGeometry(makeGeometry(v))]),
      );
      let dicom: unknown;
      let scan: DicomScanResult | undefined;
      let summaries: ReturnType<typeof seriesSummary>[] = [];
      if (paths.length) {
        scan = await scanDicom(paths, { allowNonCt: o.allowNonCt });
        summaries = scan.series.map(seriesSummary);
        dicom = {
          series: summaries,
          errors: scan.errors.map((e) => ({ file: e.file, code: e.code, reason: e.reason })),
          notDicom: scan.notDicom.map((e) => ({ file: e.file, reason: e.reason })),
        };
      }
      if (o.json) {
        printJson({
          app: { name: 'ct-audit', version: APP_VERSION },
          backend,
          presets,
          ...(dicom ? { dicom } : {}),
        });
        return;
      }
      console.log(`ct-audit ${APP_VERSION}`);
      console.log(`backend: ${backend.backend} (${backend.provider})`);
      if (backend.wasm) {
        console.log(
          `  wasm: SIMD ${backend.wasm.simd ? 'yes' : 'no'}, threads ${backend.wasm.threads ? backend.wasm.threadCount : 'no'}`,
        );
      }
      if (backend.webgpu) {
        console.log(`  adapter: ${adapterLabel(backend.webgpu)}`);
        console.log(`  limits: ${limitsLabel(backend.webgpu)}`);
      }
      if (backend.registeredKernels.length)
        console.log(`  kernels registered by CT Audit: ${backend.registeredKernels.join(', ')}`);
      for (const s of backend.skipped) console.log(`  not used: ${s.backend}: ${s.reason}`);
      console.log(
        `versions: ${Object.entries(backend.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      console.log(`platform: ${backend.platform}`);
      for (const [k, v] of Object.entries(presets)) console.log(`preset ${k}: ${v}`);
      if (scan) printScan(scan, summaries);
    });
}
