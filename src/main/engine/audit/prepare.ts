/**
 * Everything an audit needs before its first unit: the models (loaded, named, with their cards and weight
 * hashes), the common geometry, the data sources and the ordered slice list, the input inventory and the
 * PHI redactor.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AuditSpec } from '@shared/audit-spec';
import { InputError, UsageError } from '@shared/errors';
import { GEOMETRY_PRESETS, makeGeometry, physicsOf, type Geometry } from '@shared/geometry';
import { describePhysics, makePhysics, samePhysics } from '@shared/physics';
import {
  dicomSource,
  ellipsesSource,
  namedDatasetDir,
  openDataSource,
  simulateMeasurements,
  type DataSource,
  type SliceRef,
} from '../data';
import { parseNoiseSpec } from '@shared/noise-spec';
import { tf } from '../backend';
import { createRng } from '../random';
import { FbpReconstructor } from '../models';
import { loadModel } from '../models/save-load';
import { CARD_FILE, type ModelCard } from '../models/card';
import { makeOperator, type MeasurementOperator } from '../physics';
import type { UnitModel } from './evaluate-unit';
import { inventoryData, sha256File, type DataInventory } from './inventory';
import type { ManifestModel, ManifestSource } from './manifest';
import { makeRedactor, redactionTerms, type Redactor } from './phi';

export interface PreparedSlice {
  index: number;
  id: string;
  seedId: string;
  group: string;
  source: DataSource;
  ref: SliceRef;
}

export interface PreparedAudit {
  geometry: Geometry;
  op: MeasurementOperator;
  models: (UnitModel & { card: ModelCard | null; manifest: ManifestModel })[];
  slices: PreparedSlice[];
  sources: ManifestSource[];
  inventory: DataInventory;
  redact: Redactor;
  /** Terms the redactor removes (memory only: the report builder gets them, nothing writes them). */
  redactTerms: string[];
  dispose(): void;
}

async function modelFiles(dir: string, card: ModelCard): Promise<ManifestModel['files']> {
  const out: ManifestModel['files'] = [];
  for (const f of [...card.weights.files, CARD_FILE]) {
    const file = path.join(dir, f);
    const st = await fs.stat(file);
    out.push({ file: f, bytes: st.size, sha256: await sha256File(file) });
  }
  return out;
}

function specGeometry(spec: AuditSpec): Geometry {
  const p = GEOMETRY_PRESETS[spec.geometry.preset];
  return makeGeometry({
    size: spec.geometry.size ?? p.size,
    views: spec.geometry.views ?? p.views,
    physics: spec.geometry.physics,
  });
}

/** Load every model of the spec; saved models fix the geometry (they must agree), FBP follows it. */
async function loadModels(spec: AuditSpec): Promise<{ geometry: Geometry; models: PreparedAudit['models'] }> {
  const loaded: { name: string; path: string; model?: Awaited<ReturnType<typeof loadModel>> }[] = [];
  let geometry: Geometry | undefined;
  let geometryFrom = '';
  try {
    for (const m of spec.models) {
      if (m.path === 'fbp') {
        loaded.push({ name: m.name, path: m.path });
        continue;
      }
      // An imported model that follows our geometry takes the spec's when it names one.
      const follow =
        spec.geometry.size !== undefined || spec.geometry.views !== undefined
          ? specGeometry(spec)
          : undefined;
      const lm = await loadModel(m.path, geometry, { follow });
      loaded.push({ name: m.name, path: m.path, model: lm });
      if (!geometry) {
        geometry = lm.model.geometry;
        geometryFrom = m.path;
      }
    }
  } catch (e) {
    for (const l of loaded) l.model?.model.dispose();
    throw e;
  }
  if (geometry && (spec.geometry.size !== undefined || spec.geometry.views !== undefined)) {
    const g = geometry;
    if ((spec.geometry.size ?? g.size) !== g.size || (spec.geometry.views ?? g.views) !== g.views) {
      for (const l of loaded) l.model?.model.dispose();
      throw new UsageError(
        `geometry: the spec asks for size ${spec.geometry.size ?? g.size}, views ${spec.geometry.views ?? g.views}, but ${geometryFrom} was trained for size ${g.size}, views ${g.views}; leave size/views out to use the model's`,
      );
    }
  }
  if (
    geometry &&
    spec.geometry.physics &&
    !samePhysics(physicsOf(geometry), makePhysics(spec.geometry.physics))
  ) {
    for (const l of loaded) l.model?.model.dispose();
    throw new UsageError(
      `geometry: the spec asks for ${describePhysics(makePhysics(spec.geometry.physics))}, but ${geometryFrom} was trained for ${describePhysics(physicsOf(geometry))}; leave physics out to use the model's`,
    );
  }
  const geom = geometry ?? specGeometry(spec);
  const models: PreparedAudit['models'] = [];
  for (const [index, l] of loaded.entries()) {
    const model = l.model ? l.model.model : new FbpReconstructor(geom);
    const card = l.model ? l.model.card : null;
    models.push({
      index,
      name: l.name,
      description: model.describe(),
      model,
      card,
      manifest: {
        name: l.name,
        path: l.path,
        kind: model.kind,
        description: model.describe(),
        geometry: geom,
        card,
        files: card ? await modelFiles(l.path, card) : [],
      },
    });
  }
  return { geometry: geom, models };
}

function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * Open the data sources in order. Consecutive plain files that are not .npy (DICOM files) are opened as one
 * DICOM source, so the files of one series given one by one (as the batch does) form one series.
 */
async function openSources(spec: AuditSpec): Promise<{ source: DataSource; refs: SliceRef[] }[]> {
  const out: { source: DataSource; refs: SliceRef[] }[] = [];
  let pendingFiles: string[] = [];
  const flush = async () => {
    if (pendingFiles.length === 0) return;
    const label = pendingFiles.length === 1 ? pendingFiles[0] : `${pendingFiles.length} DICOM files`;
    const src = await dicomSource(label, pendingFiles, { allowNonCt: spec.data.allowNonCt });
    out.push({ source: src, refs: [...(src.refs ?? [])] });
    pendingFiles = [];
  };
  for (const s of spec.data.sources) {
    const t = s.trim();
    if (t.toLowerCase() === 'ellipses') {
      await flush();
      const src = ellipsesSource({ seed: spec.seed });
      const refs = Array.from({ length: spec.data.phantoms }, (_, i) => src.generated!('test', i));
      out.push({ source: src, refs });
    } else if (t.toLowerCase().endsWith('.npy') || namedDatasetDir(t) || (await isDirectory(t))) {
      await flush();
      const src = await openDataSource(t, { seed: spec.seed, allowNonCt: spec.data.allowNonCt });
      out.push({ source: src, refs: [...(src.refs ?? [])] });
    } else {
      try {
        await fs.access(t);
      } catch {
        throw new InputError(`data: ${t}: no such file or folder (expected DICOM, .npy or "ellipses")`);
      }
      pendingFiles.push(t);
    }
  }
  await flush();
  return out;
}

export async function prepareAudit(
  spec: AuditSpec,
  o: {
    signal?: AbortSignal;
    onProgress?: (phase: string, done: number, total: number) => void;
    inventory?: DataInventory;
  } = {},
): Promise<PreparedAudit> {
  const inventory =
    o.inventory ??
    (await inventoryData(spec.data.sources, {
      allowNonCt: spec.data.allowNonCt,
      signal: o.signal,
      onProgress: (p) => o.onProgress?.('index data', p.done, p.total),
    }));
  const redactTerms = spec.phi === 'include' ? [] : redactionTerms(inventory.identifiers);
  const redact = makeRedactor(redactTerms);
  const { geometry, models } = await loadModels(spec);
  try {
    const opened = await openSources(spec);
    const slices: PreparedSlice[] = [];
    const sources: ManifestSource[] = [];
    const seen = new Map<string, number>();
    const max = spec.data.maxSlices ?? Infinity;
    for (const { source, refs } of opened) {
      const take = refs.slice(0, Math.max(0, max - slices.length));
      for (const ref of take) {
        let id = redact(ref.id);
        const k = (seen.get(id) ?? 0) + 1;
        seen.set(id, k);
        if (k > 1) id = `${id}~${k}`;
        slices.push({ index: slices.length, id, seedId: ref.id, group: redact(ref.group), source, ref });
      }
      sources.push({
        spec: source.spec,
        kind: source.kind,
        description: source.description,
        slices: take.length,
        warnings: [...source.warnings],
      });
    }
    if (slices.length === 0) throw new InputError('data: no slices to audit');
    return {
      geometry,
      op: makeOperator(geometry),
      models,
      slices,
      sources,
      inventory,
      redact,
      redactTerms,
      dispose() {
        for (const m of models) m.model.dispose();
      },
    };
  } catch (e) {
    for (const m of models) m.model.dispose();
    throw e;
  }
}

/** Measurement of one slice: y = A x (+ noise seeded by the slice id, as the attack/certify commands). */
export function measureSlice(
  p: PreparedAudit,
  spec: AuditSpec,
  s: PreparedSlice,
  xv: Float32Array,
): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const N = p.geometry.size;
  const x = tf.tensor4d(xv, [1, N, N, 1]);
  const noise = parseNoiseSpec(spec.noise);
  const rng = createRng(spec.seed).fork('noise').fork(s.seedId);
  const y = simulateMeasurements(p.op, x, { noise, rngs: [rng] });
  return { x, y };
}
