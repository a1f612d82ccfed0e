/**
 * What CT Audit records about a WebGPU adapter (`ct-audit info`, manifests, model cards, reports): who made
 * it, whether it is a software rasteriser, and the limits that bound the tensor sizes it can hold.
 */

export interface WebGpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (SwiftShader, lavapipe, WARP): WebGPU without a GPU. */
  software: boolean;
  /** The limits tfjs asks for (tfjs-backend-webgpu base.ts) plus the buffer sizes, in bytes where sizes. */
  limits: Record<string, number>;
}

export const LIMIT_NAMES = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** Names that only software adapters report (Dawn's SwiftShader, Mesa's llvmpipe/lavapipe, Windows WARP). */
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

/** An adapter's identity and limits as plain data (what the probe child process prints). */
export interface RawAdapterData {
  vendor?: unknown;
  architecture?: unknown;
  device?: unknown;
  description?: unknown;
  isFallbackAdapter?: unknown;
  limits: Record<string, unknown>;
}

export function rawAdapterData(adapter: GPUAdapter): RawAdapterData {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const limits: Record<string, unknown> = {};
  for (const name of LIMIT_NAMES) limits[name] = (adapter.limits as unknown as Record<string, unknown>)[name];
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: info.isFallbackAdapter,
    limits,
  };
}

export function summarizeAdapter(raw: RawAdapterData): WebGpuAdapterSummary {
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const summary = {
    vendor: text(raw.vendor),
    architecture: text(raw.architecture),
    device: text(raw.device),
    description: text(raw.description),
  };
  const software =
    raw.isFallbackAdapter === true ||
    SOFTWARE_NAMES.test(`${summary.architecture} ${summary.device} ${summary.description}`);
  const limits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const v = raw.limits[name];
    if (typeof v === 'number') limits[name] = v;
  }
  return { ...summary, software, limits };
}

/** One line for people: "google swiftshader (SwiftShader driver 5.0.0), software". */
export function adapterLabel(a: WebGpuAdapterSummary): string {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const detail = a.description || a.device;
  return `${name}${detail ? ` (${detail})` : ''}${a.software ? ', software' : ''}`;
}

/** The limits in a line, sizes in MiB. */
export function limitsLabel(a: WebGpuAdapterSummary): string {
  return Object.entries(a.limits)
    .map(([k, v]) => (/Size$/.test(k) && v >= 2 ** 20 ? `${k} ${Math.round(v / 2 ** 20)} MiB` : `${k} ${v}`))
    .join(', ');
}
