/**
 * One scan of a folder in a process of its own (scan.bench.ts), so that its peak RSS is the scan's:
 *   tsx bench/scan-child.ts <folder> header|decode [cacheFile] [limit]
 * header: scanDicom (header-only; with cacheFile, through the scan cache); decode: readDicomFile on every
 * file (what a scan cost before the header-only reader), on the first `limit` files. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { ScanCache, listFiles, readDicomFile, scanDicom } from '../src/main/engine/dicom';

/**
 * Peak RSS of this process in MiB: VmHWM of /proc/self/status. Not getrusage's maxRSS, which Linux carries
 * over an exec from the process that forked this one (the benchmark's own, larger, process).
 */
function peakRssMb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

const [folder, mode, cacheFile, limitText] = process.argv.slice(2);
const t0 = performance.now();
let files = 0;
let series = 0;
let errors = 0;
if (mode === 'decode') {
  const all = (await listFiles([folder])).files.slice(0, Number(limitText ?? Infinity));
  for (const f of all) {
    files++;
    await readDicomFile(f).catch(() => errors++);
  }
} else {
  const cache = cacheFile ? await ScanCache.open(cacheFile) : null;
  const scan = await scanDicom([folder], { cache });
  files = scan.stats.files;
  series = scan.series.length;
  errors = scan.errors.length;
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    files,
    series,
    errors,
    seconds,
    filesPerSecond: files / seconds,
    peakRssMb: peakRssMb(),
  }),
);
