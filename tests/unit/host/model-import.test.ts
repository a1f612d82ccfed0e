/**
 * model:import through the trust boundary and the engine host: the gateway checks the network file against
 * the picked folders and validates the card with the shared zod schema (a bad field never reaches the
 * engine), resolves the workspace folder; the host imports the network and model:list shows it as imported.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpcChannel, type ModelImportResult, type ModelListResult } from '@shared/ipc';
import type { HostResponseMessage, HostToOwnerMessage, OwnerToHostMessage } from '@shared/host-protocol';
import { createEngineHost } from '../../../src/main/engine/host/host';
import { Gateway } from '../../../src/main/gateway/gateway';
import { HostClient } from '../../../src/main/gateway/host-client';
import { PathPolicy } from '../../../src/main/gateway/path-policy';
import { modelDir } from '../../../src/main/engine/host/workspace';
import { REPO_ROOT, waitFor } from './helpers';

const CARD = { input: 'fbp-image', geometry: { size: 32, views: 12 }, intensity: { unit: 'hu' } };

describe('model:import', () => {
  let dir: string;
  let workspace: string;
  let picked: string;
  const out: HostToOwnerMessage[] = [];
  const host = createEngineHost((m) => out.push(m));
  let n = 0;
  async function call<T>(method: string, params: unknown): Promise<T> {
    const id = `r${++n}`;
    host.receive({ type: 'request', id, jobId: `j${n}`, method, params } as OwnerToHostMessage);
    const r = await waitFor(
      () => out.find((m): m is HostResponseMessage => m.type === 'response' && m.id === id),
      110_000,
    );
    if (!r.result.ok) throw new Error(`${r.result.error.code}: ${r.result.error.message}`);
    return r.result.value as T;
  }

  beforeAll(async () => {
    process.env.CT_AUDIT_BACKEND ??= 'wasm';
    dir = await mkdtemp(path.join(os.tmpdir(), 'ct-audit-import-'));
    workspace = path.join(dir, 'workspace');
    picked = path.join(dir, 'picked');
    await mkdir(picked);
    await copyFile(path.join(REPO_ROOT, 'tests/fixtures/onnx/unet_bn.onnx'), path.join(picked, 'unet.onnx'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the gateway checks the file and the card before the engine; the host imports and lists the model', async () => {
    const forwarded: OwnerToHostMessage[] = [];
    const client = new HostClient({
      spawn: () => {
        const listeners: ((m: HostToOwnerMessage) => void)[] = [];
        setTimeout(() => listeners.forEach((l) => l({ type: 'ready', pid: 1 })), 0);
        return {
          post: (m) => {
            forwarded.push(m);
            if (m.type === 'request')
              setTimeout(
                () =>
                  listeners.forEach((l) =>
                    l({ type: 'response', id: m.id, result: { ok: true, value: m.params } }),
                  ),
                0,
              );
          },
          onMessage: (l) => listeners.push(l),
          onExit: () => undefined,
          kill: () => undefined,
        };
      },
    });
    const policy = new PathPolicy('the folders you opened', 'open it first');
    await policy.allow(picked);
    const gateway = new Gateway({ host: client, paths: policy, app: () => ({}) as never, workspace });
    try {
      const good = await gateway.invoke(IpcChannel.ModelImport, {
        name: 'unet',
        source: path.join(picked, 'unet.onnx'),
        card: CARD,
      });
      expect(good.ok).toBe(true);
      const params = (
        forwarded.at(-1) as { params: { outDir: string; source: string; card: { access: string } } }
      ).params;
      expect(params.outDir).toBe(modelDir(workspace, 'unet'));
      expect(params.card.access).toBe('white-box'); // defaults filled by the shared schema
      const before = forwarded.length;
      for (const bad of [
        { name: 'unet', source: path.join(dir, 'elsewhere.onnx'), card: CARD },
        {
          name: 'unet',
          source: path.join(picked, 'unet.onnx'),
          card: { ...CARD, intensity: { unit: 'kelvin' } },
        },
        { name: '../escape', source: path.join(picked, 'unet.onnx'), card: CARD },
      ]) {
        expect(await gateway.invoke(IpcChannel.ModelImport, bad)).toMatchObject({
          ok: false,
          error: { code: 'IPC_INVALID_REQUEST' },
        });
      }
      expect(forwarded.length).toBe(before);
      expect(await gateway.invoke(IpcChannel.DialogOpenNetwork, undefined)).toMatchObject({
        ok: false,
        error: { code: 'IPC_NOT_AVAILABLE' },
      });
    } finally {
      client.stop();
    }

    const r = await call<ModelImportResult>(IpcChannel.ModelImport, {
      name: 'unet',
      source: path.join(picked, 'unet.onnx'),
      card: {
        ...CARD,
        access: 'white-box',
        residual: false,
        sinogramScale: 1,
        fbp: { filter: 'ram-lak', cutoff: 1 },
        provenance: {},
      },
      outDir: modelDir(workspace, 'unet'),
    });
    expect(r.model).toMatchObject({
      name: 'unet',
      kind: 'imported',
      status: 'complete',
      imported: { format: 'onnx', access: 'white-box', source: 'ONNX (pytorch 1.13.0, opset 13), white-box' },
    });
    const list = await call<ModelListResult>(IpcChannel.ModelList, { workspace });
    expect(list.models.map((m) => [m.name, m.imported?.format])).toEqual([['unet', 'onnx']]);
  });
});
