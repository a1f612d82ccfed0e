/**
 * `ct-audit info [paths...]`: the compute backend, and for DICOM files and folders the series found by a
 * header-only scan (dicom/scan.ts; `--pixels` decodes every slice for its HU range and the value checks) with
 * every unusable file and its reason. Exit code 1 when a named path is unusable -- a file that is not a usable
 * CT image, a folder with no usable CT series, a path that does not exist -- after printing the whole listing;
 * `--allow-unusable` exits 0 with the same listing.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { describeGeometry, GEOMETRY_PRESETS, makeGeometry } from '@shared/geometry';
import { DicomError, InputError } from '@shared/errors';
import { scanDicom, huStats, publicMeta, readDicomFile } from '../../engine/dicom';
import type { DicomScan, DicomSeries } from '../../engine/dicom';
import { adapterLabel, limitsLabel } from '../../engine/backend';
import {
  addScanCacheOptions,
  APP_VERSION,
  openScanCache,
  printJson,
  startBackend,
  type ScanCacheOption,
} from '../context';
import { cliProgress } from '../progress';

interface HuRange {
  min: number;
  max: number;
  paddingPixels: number;
}

/** Decodes every file of a series (--pixels): its HU range, and the files whose pixels cannot be used. */
async function seriesHu(s: DicomSeries, allowNonCt: boolean, signal: AbortSignal) {
  let min = Infinity;
  let max = -Infinity;
  let padding = 0;
  const errors: DicomError[] = [];
  for (const file of new Set(s.slices.map((sl) => sl.image.file))) {
    if (signal.aborted) break;
    try {
      const img = await readDicomFile(file, { allowNonCt });
      for (const f of img.frames) {
        const st = huStats(f);
        if (st.count > 0) {
          min = Math.min(min, st.min);
          max = Math.max(max, st.max);
        }
        padding += st.paddingCount;
      }
    } catch (e) {
      if (!(e instanceof DicomError)) throw e;
      errors.push(e);
    }
  }
  return { hu: { min, max, paddingPixels: padding } as HuRange, errors };
}

function seriesSummary(s: DicomSeries, hu: HuRange | null) {
  const first = s.slices[0].image.meta;
  const syntaxes = new Set<string>();
  for (const sl of s.slices)
    syntaxes.add(`${sl.image.meta.transferSyntaxUid} (${sl.image.meta.transferSyntaxName})`);
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
    /** null without --pixels (a header-only scan reads no pixel). */
    hu,
    files: s.slices.map((sl) => path.basename(sl.image.file)),
    duplicates: s.duplicates.map((d) => ({
      file: path.basename(d.file),
      duplicateOf: path.basename(d.duplicateOf),
    })),
    warnings: s.warnings,
  };
}

type Summary = ReturnType<typeof seriesSummary>;

/** Named paths that give nothing usable: a file that is not a usable slice, a folder without a CT series. */
function unusablePaths(
  named: string[],
  scan: DicomScan,
  errors: DicomError[],
): { path: string; reason: string }[] {
  const used = new Set(scan.series.flatMap((s) => s.slices.map((sl) => sl.image.file)));
  const duplicates = new Set(scan.series.flatMap((s) => s.duplicates.map((d) => d.file)));
  const problems = new Map<string, string>();
  for (const e of [...errors, ...scan.notDicom]) problems.set(e.file, e.reason);
  const out: { path: string; reason: string }[] = [];
  for (const p of named) {
    const abs = path.resolve(p);
    if (problems.has(abs)) out.push({ path: p, reason: problems.get(abs)! });
    else if (used.has(abs) || duplicates.has(abs)) continue;
    else if (![...used].some((f) => f.startsWith(abs + path.sep))) {
      out.push({ path: p, reason: 'no usable CT image in it' });
    }
  }
  return out;
}

function printScan(scan: DicomScan, summaries: Summary[], errors: DicomError[]): void {
  const { stats } = scan;
  console.log(
    `\nDICOM: ${summaries.length} series, ${errors.length} unusable file(s), ${scan.notDicom.length} non-DICOM file(s)` +
      ` (${stats.files} file(s) scanned in ${stats.seconds.toFixed(2)} s, ` +
      `${Math.round(stats.files / Math.max(stats.seconds, 1e-3))} files/s, ${stats.cached} from the scan cache)`,
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
      s.hu
        ? `    HU ${s.hu.min}..${s.hu.max}${s.hu.paddingPixels ? ` (${s.hu.paddingPixels} padding pixels excluded)` : ''}`
        : '    HU range not read (header-only scan; --pixels decodes every slice)',
    );
    console.log(`    transfer syntax: ${s.transferSyntaxes.join(', ')}`);
    for (const w of s.warnings) console.log(`    warning: ${w}`);
  });
  for (const e of errors) console.log(`  error: ${e.message}`);
  for (const e of scan.notDicom) console.log(`  skipped: ${e.message}`);
}

interface InfoOptions extends ScanCacheOption {
  allowNonCt?: boolean;
  json?: boolean;
  pixels?: boolean;
  allowUnusable?: boolean;
}

export function registerInfo(program: Command): void {
  const cmd = program
    .command('info')
    .description(
      'compute backend and versions; with paths: DICOM series, slices and per-file errors (de-identified); ' +
        'exit code 1 when a named path is unusable',
    )
    .argument('[paths...]', 'DICOM files or folders (searched recursively)')
    .option('--allow-non-ct', 'accept non-CT modalities, and CT whose values are not HU')
    .option('--pixels', 'decode every slice: HU range per series and the checks on decoded values')
    .option('--allow-unusable', 'exit 0 even when a named path is unusable (the listing is the same)')
    .option('--json', 'print one JSON object on stdout');
  addScanCacheOptions(cmd).action(async (paths: string[], o: InfoOptions, c: Command) => {
    const backend = await startBackend(c);
    const presets = Object.fromEntries(
      Object.entries(GEOMETRY_PRESETS).map(([k, v]) => [k, describeGeometry(makeGeometry(v))]),
    );
    let dicom: unknown;
    let scan: DicomScan | undefined;
    let summaries: Summary[] = [];
    let errors: DicomError[] = [];
    let unusable: { path: string; reason: string }[] = [];
    if (paths.length) {
      const progress = cliProgress({ quiet: Boolean(o.json) });
      try {
        const cache = await openScanCache(o);
        scan = await scanDicom(paths, {
          allowNonCt: o.allowNonCt,
          cache,
          signal: progress.job.signal,
          onProgress: (p) =>
            progress.job.progress({
              phase: 'scan',
              step: p.done,
              total: p.total,
              message: `${p.done} of ${p.total} files, ${Math.round(p.filesPerSecond)} files/s`,
            }),
        });
        errors = [...scan.errors];
        const ranges: (HuRange | null)[] = [];
        for (const [i, s] of scan.series.entries()) {
          if (!o.pixels) {
            ranges.push(null);
            continue;
          }
          progress.job.progress({ phase: 'decode', step: i, total: scan.series.length });
          const r = await seriesHu(s, Boolean(o.allowNonCt), progress.job.signal);
          ranges.push(r.hu);
          errors.push(...r.errors);
        }
        progress.job.throwIfCancelled();
        summaries = scan.series.map((s, i) => seriesSummary(s, ranges[i]));
      } finally {
        progress.done();
      }
      unusable = unusablePaths(paths, scan, errors);
      dicom = {
        series: summaries,
        errors: errors.map((e) => ({ file: e.file, code: e.code, reason: e.reason })),
        notDicom: scan.notDicom.map((e) => ({ file: e.file, reason: e.reason })),
        unusablePaths: unusable,
        scan: scan.stats,
      };
    }
    if (o.json) {
      printJson({
        app: { name: 'ct-audit', version: APP_VERSION },
        backend,
        presets,
        ...(dicom ? { dicom } : {}),
      });
    } else {
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
      if (scan) printScan(scan, summaries, errors);
    }
    if (unusable.length > 0 && !o.allowUnusable) {
      const first = unusable[0];
      throw new InputError(
        `${unusable.length} of ${paths.length} named path(s) unusable (listed above), the first: ` +
          `${first.path}: ${first.reason}; --allow-unusable exits 0 with the same listing`,
        { unusable },
      );
    }
  });
}
