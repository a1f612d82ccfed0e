/**
 * Is there a WebGPU adapter, and is it a real GPU? Asked in a short-lived child process when the backend is
 * chosen automatically, for three reasons:
 * - a broken GPU driver can crash or hang the process that loads it: the child takes the blow (killed after
 *   PROBE_TIMEOUT_MS), the engine goes on with wasm;
 * - Dawn writes its adapter warnings straight to stderr (on a machine whose only Vulkan driver is Mesa's
 *   lavapipe, three lines on every start); the child's stderr is captured, not shown;
 * - a software adapter is not used automatically (backend/index.ts), and finding that out in-process would
 *   leave a Vulkan instance alive in an engine that then runs on wasm.
 * The answer is kept in CT_AUDIT_WEBGPU_PROBE for this process and inherited by its workers and children,
 * so a process tree probes once (again only if it changes VK_ICD_FILENAMES / VK_DRIVER_FILES).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { summarizeAdapter, LIMIT_NAMES, type RawAdapterData, type WebGpuAdapterSummary } from './adapter';

const require = createRequire(import.meta.url);
export const PROBE_ENV = 'CT_AUDIT_WEBGPU_PROBE';
const PROBE_TIMEOUT_MS = 20_000;

export type ProbeResult = { ok: true; adapter: WebGpuAdapterSummary } | { ok: false; reason: string };

/** The child's program: load dawn.node, ask for the high-performance adapter, print it as JSON. */
function childSource(webgpuEntry: string): string {
  return `
const { create, globals } = await import(${JSON.stringify(pathToFileURL(webgpuEntry).href)});
Object.assign(globalThis, globals);
const gpu = create([]);
const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
let out = null;
if (a) {
  const i = a.info, limits = {};
  for (const n of ${JSON.stringify(LIMIT_NAMES)}) limits[n] = a.limits[n];
  out = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
          isFallbackAdapter: i.isFallbackAdapter, limits };
}
process.stdout.write('CT_AUDIT_PROBE ' + JSON.stringify(out) + '\\n');
process.exit(0);
`;
}

function runChild(source: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    // ELECTRON_RUN_AS_NODE: in the packaged app process.execPath is Electron; this makes it plain Node.
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ stdout, stderr: `${stderr}${e.message}`, code: -1 });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

async function probeNow(): Promise<ProbeResult> {
  let entry: string;
  try {
    entry = require.resolve('webgpu');
  } catch {
    return { ok: false, reason: 'the `webgpu` package (Dawn for Node) is not installed' };
  }
  const { stdout, stderr, code } = await runChild(childSource(entry));
  const line = stdout.split('\n').find((l) => l.startsWith('CT_AUDIT_PROBE '));
  if (!line) {
    const detail = stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
    return {
      ok: false,
      reason:
        code === null
          ? `the WebGPU probe did not answer within ${PROBE_TIMEOUT_MS / 1000} s (GPU driver hung)`
          : `the WebGPU probe failed (exit ${code})${detail ? `: ${detail}` : ''}`,
    };
  }
  const raw = JSON.parse(line.slice('CT_AUDIT_PROBE '.length)) as RawAdapterData | null;
  if (!raw) return { ok: false, reason: noAdapterReason() };
  return { ok: true, adapter: summarizeAdapter(raw) };
}

/** Why Dawn found no adapter, with what to do. */
export function noAdapterReason(): string {
  const list = process.env.VK_ICD_FILENAMES
    ? 'VK_ICD_FILENAMES'
    : process.env.VK_DRIVER_FILES
      ? 'VK_DRIVER_FILES'
      : '';
  if (list) {
    return `no WebGPU adapter: Dawn accepts none of the Vulkan drivers that ${list} names (${process.env[list]})`;
  }
  return process.platform === 'linux'
    ? 'no WebGPU adapter: no Vulkan driver that Dawn accepts (a GPU driver; or, with --backend webgpu, ' +
        "SwiftShader from Debian's chromium package, /usr/lib/chromium/vk_swiftshader_icd.json, or the ICD " +
        'that VK_ICD_FILENAMES names)'
    : 'no WebGPU adapter on this machine';
}

let inFlight: { key: string; result: Promise<ProbeResult> } | undefined;

/** What the answer depends on besides the machine: the Vulkan driver list a process may set. */
function driverKey(): string {
  return `${process.env.VK_ICD_FILENAMES ?? ''}|${process.env.VK_DRIVER_FILES ?? ''}`;
}

/** The probe's answer: from CT_AUDIT_WEBGPU_PROBE when a parent already asked, else from a child process. */
export function probeWebGpu(): Promise<ProbeResult> {
  const key = driverKey();
  const cached = process.env[PROBE_ENV];
  if (cached) {
    try {
      const c = JSON.parse(cached) as { key: string; result: ProbeResult };
      if (c.key === key && c.result) return Promise.resolve(c.result);
    } catch {
      // A malformed value (set by hand): probe again.
    }
  }
  if (inFlight?.key !== key) {
    inFlight = {
      key,
      result: probeNow().then((result) => {
        process.env[PROBE_ENV] = JSON.stringify({ key, result });
        return result;
      }),
    };
  }
  return inFlight.result;
}
