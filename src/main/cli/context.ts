/** Shared helpers for CLI commands: option parsing, output, backend start-up. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '@shared/errors';
import { initBackend, type BackendInfo } from '../engine/backend';
import { defaultScanCachePath, ScanCache } from '../engine/dicom/scan-cache';

export { APP_VERSION } from '../engine/app-version';

/** Global options (set on the root program) seen from a subcommand. */
export function globals(cmd: Command): { debug?: boolean; backend?: string } {
  return cmd.optsWithGlobals() as { debug?: boolean; backend?: string };
}

export async function startBackend(cmd: Command): Promise<BackendInfo> {
  return initBackend({ backend: globals(cmd).backend });
}

export function parseIntOption(name: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${value}"`);
    }
    return n;
  };
}

export function parseNumberOption(name: string, min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${value}"`);
    }
    return n;
  };
}

export function parseChoice<T extends string>(name: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

/** Create the parent folder of an output file. */
export async function ensureParent(file: string): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `--scan-cache <file>` / `--no-scan-cache` (commands that scan DICOM folders). */
export interface ScanCacheOption {
  scanCache?: string | false;
}

export function addScanCacheOptions(cmd: Command): Command {
  return cmd
    .option(
      '--scan-cache <file>',
      'scan cache file (default $XDG_CACHE_HOME/ct-audit/scan-cache.jsonl; env CT_AUDIT_SCAN_CACHE, "off" disables it)',
    )
    .option('--no-scan-cache', 'read every file again instead of using the scan cache');
}

/** The scan cache the options name (dicom/scan-cache.ts), or null when disabled. */
export async function openScanCache(o: ScanCacheOption): Promise<ScanCache | null> {
  if (o.scanCache === false) return null;
  const file = typeof o.scanCache === 'string' ? path.resolve(o.scanCache) : defaultScanCachePath();
  return file ? ScanCache.open(file) : null;
}
