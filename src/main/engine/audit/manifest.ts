/**
 * manifest.json of an audit (DESIGN.md section 5): app version, tfjs backend and versions, OS, seed, the
 * filled spec, SHA-256 of the model weights and of every input file, start/end times and the command line;
 * with each resume, a run is added. Written atomically at the start (status 'running') and at the end
 * ('complete', 'cancelled' or 'failed'); strings pass the PHI redactor (phi.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { AuditSpec } from '@shared/audit-spec';
import type { Geometry } from '@shared/geometry';
import { backendInfo, type WebGpuAdapterSummary } from '../backend';
import { writeFileAtomic } from '../io/npy';
import type { ModelCard } from '../models/card';
import type { DataInventory, InventoryFile, InventorySeries } from './inventory';
import { stringifyRedacted, type Redactor } from './phi';
import { APP_VERSION } from '../app-version';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'ct-audit/audit-manifest';

export interface ManifestModel {
  name: string;
  path: string;
  kind: string;
  description: string;
  geometry: Geometry;
  /** The model card of a saved model (null for FBP). */
  card: ModelCard | null;
  files: { file: string; bytes: number; sha256: string }[];
}

export interface ManifestSource {
  spec: string;
  kind: string;
  description: string;
  /** Slices taken from this source. */
  slices: number;
  warnings: string[];
}

export interface ManifestRun {
  startedAt: string;
  endedAt: string | null;
  status: 'running' | 'complete' | 'cancelled' | 'failed';
  commandLine: string[];
  /** Units computed in this run (the others came from results.jsonl). */
  computedUnits: number;
  /** Units skipped in this run with the reason (an unreadable slice; a resume tries them again). */
  skipped: { slice: number; id: string; model: string; reason: string }[];
  error?: string;
}

export interface AuditManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  app: { name: 'ct-audit'; version: string };
  backend: {
    name: string;
    provider: string;
    versions: Record<string, string>;
    wasm: unknown;
    /** The GPU adapter when the backend is webgpu (vendor, architecture, limits); null otherwise. */
    webgpu?: WebGpuAdapterSummary | null;
    registeredKernels: string[];
  };
  os: {
    platform: string;
    release: string;
    arch: string;
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
  };
  seed: string;
  spec: AuditSpec;
  geometry: Geometry;
  models: ManifestModel[];
  data: {
    sources: ManifestSource[];
    files: InventoryFile[];
    series: InventorySeries[];
    /** Slices audited / units expected. */
    slices: number;
    units: number;
  };
  phi: { policy: 'exclude' | 'include'; statement: string };
  startedAt: string;
  endedAt: string | null;
  status: ManifestRun['status'];
  runs: ManifestRun[];
}

export function systemInfo(): AuditManifest['os'] {
  const cpus = os.cpus();
  return {
    platform: `${os.platform()} ${os.arch()}`,
    release: os.release(),
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.versions.node,
  };
}

export function backendSection(): AuditManifest['backend'] {
  const b = backendInfo();
  return {
    name: b.backend,
    provider: b.provider,
    versions: b.versions,
    wasm: b.wasm ?? null,
    webgpu: b.webgpu ?? null,
    registeredKernels: b.registeredKernels,
  };
}

export function phiStatement(policy: 'exclude' | 'include'): string {
  return policy === 'exclude'
    ? 'Patient identifiers (names, IDs, birth dates, accession numbers, institutions, physicians, dates) are not written; ' +
        'their values found in the input headers are redacted from every text this audit writes, file and folder names included; series are named by a hash of their UID.'
    : 'PHI policy "include": identifiers found in the input headers are kept (manifest, per series).';
}

export function appSection(): AuditManifest['app'] {
  return { name: 'ct-audit', version: APP_VERSION };
}

export function withoutIdentifiers(
  inv: DataInventory,
  policy: 'exclude' | 'include',
): AuditManifest['data']['series'] {
  return inv.series.map((s) => {
    if (policy === 'include') return s;
    const { identifiers: _drop, ...rest } = s;
    void _drop;
    return rest;
  });
}

export async function writeManifest(dir: string, m: AuditManifest, redact: Redactor): Promise<void> {
  await writeFileAtomic(path.join(dir, MANIFEST_FILE), `${stringifyRedacted(m, redact)}\n`);
}

export async function readManifest(dir: string): Promise<AuditManifest | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as AuditManifest;
  } catch {
    return null;
  }
}
