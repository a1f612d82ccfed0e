/**
 * Loading an imported model folder (import-model.ts wrote it) as a Reconstructor: the stored files are checked
 * against the card's SHA-256, the network is built as at import (white-box onto tfjs ops, or black-box through
 * onnxruntime-node), wrapped at the card's geometry (or, for 'follows-ours', at the requested one) and run
 * once on zeros so that its cached constants exist before callers count tensors.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { InputError } from '@shared/errors';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { followsOurGeometry, type ModelCard } from '../card';
import { ImportedReconstructor } from './imported-reconstructor';
import { openNetwork, sourceSha256, type SourceFiles } from './open-network';
import { readTfjsFiles } from './tfjs-network';

async function storedSource(dir: string, card: ModelCard): Promise<SourceFiles> {
  const imported = card.imported!;
  const files = card.weights.files;
  if (imported.source.format === 'onnx') {
    const file = path.join(dir, files[0]);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.readFile(file));
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new InputError(
        `${file}: cannot read the model (${code === 'ENOENT' ? 'missing' : (code ?? String(e))})`,
        {
          file,
        },
      );
    }
    return { format: 'onnx', files: [{ name: files[0], bytes }] };
  }
  const tfjs = await readTfjsFiles(path.join(dir, files[0]));
  return { format: tfjs.format, files: tfjs.files, tfjs };
}

/** The imported model of folder `dir` (whose card is `card`), at `geometry` when the card follows ours. */
export async function loadImportedModel(
  dir: string,
  card: ModelCard,
  geometry?: Geometry,
): Promise<ImportedReconstructor> {
  const imported = card.imported;
  if (!imported) throw new InputError(`${dir}: card.json of kind "imported" lacks its "imported" section`);
  const source = await storedSource(dir, card);
  if (sourceSha256(source).sha256 !== card.weights.sha256) {
    throw new InputError(
      `${dir}: the model files (${card.weights.files.join(', ')}) do not match the SHA-256 in card.json: the files were changed or truncated`,
    );
  }
  const g = followsOurGeometry(card) && geometry ? makeGeometry(geometry) : card.geometry;
  const where = path.join(dir, card.weights.files[0]);
  const opened = await openNetwork(source, imported.access, where);
  let model: ImportedReconstructor;
  try {
    model = new ImportedReconstructor(
      g,
      opened.network,
      { name: path.basename(path.resolve(dir)), imported },
      where,
    );
  } catch (e) {
    opened.network.dispose();
    throw e;
  }
  try {
    model.warmUp();
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
