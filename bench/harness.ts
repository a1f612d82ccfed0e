/**
 * A tiny benchmark harness (not a test): median-of-runs timing after warm-up, peak RSS, table printing,
 * and running a Python peer script that prints JSON (scikit-image, PyTorch) when it is installed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Timing {
  medianMs: number;
  minMs: number;
  runsMs: number[];
}

export interface TimeOptions {
  /** Untimed calls first (JIT, caches, lazily built plans). Default 1. */
  warmup?: number;
  /** Timed calls; the median is reported. At least 5. */
  repeats?: number;
}

function median(a: number[]): number {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median wall time of `fn` over `repeats` (>= 5) runs after `warmup` runs. */
export async function time(fn: () => unknown, o: TimeOptions = {}): Promise<Timing> {
  const warmup = o.warmup ?? 1;
  const repeats = Math.max(5, o.repeats ?? 5);
  for (let i = 0; i < warmup; i++) await fn();
  const runsMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    runsMs.push(performance.now() - t0);
  }
  return { medianMs: median(runsMs), minMs: Math.min(...runsMs), runsMs };
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function fmtRatio(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '-' : `${r.toFixed(r < 0.1 ? 3 : 2)}x`;
}

/** Print a plain-text table (right-aligned numbers, left-aligned first column). */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string =>
    r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/**
 * The Python interpreter that can import every module in `modules`, or undefined. Debian's packages
 * (python3-skimage, python3-torch) live under /usr/bin/python3, not a pyenv shim, so that one is tried first.
 */
export function findPython(modules: string[]): string | undefined {
  const candidates = [process.env.CT_AUDIT_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter(
    (p): p is string => Boolean(p) && (p === 'python3' || existsSync(p as string)),
  );
  for (const py of candidates) {
    try {
      execFileSync(py, ['-c', modules.map((m) => `import ${m}`).join('; ')], {
        stdio: 'ignore',
        timeout: 60_000,
      });
      return py;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Run `python script args...` and parse the JSON object on the last non-empty line of its stdout. */
export function runPythonPeer<T>(
  python: string,
  script: string,
  args: string[],
  timeoutMs = 600_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [script, ...args],
      { timeout: timeoutMs, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${script} failed: ${err.message}\n${stderr}`));
          return;
        }
        const last = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last) as T);
        } catch {
          reject(new Error(`${script}: last line of stdout is not JSON: ${last.slice(0, 200)}`));
        }
      },
    );
  });
}
