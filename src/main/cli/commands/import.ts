/**
 * `ct-audit import <model.onnx | model.json> --card card.json --out models/<name>`: a researcher's own network
 * (ONNX from torch.onnx.export, or a TensorFlow.js layers / graph model) and its import card (what it reads,
 * the geometry and units it was trained for; src/shared/model-import.ts) -> a model folder that
 * `ct-audit audit --model`, `batch` and the app load like a trained one (engine/models/imported).
 */
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '@shared/errors';
import { GEOMETRY_PRESETS, makeGeometry, describeGeometry, type GeometryPresetName } from '@shared/geometry';
import { describeImportSource } from '@shared/model-import';
import { importModel } from '../../engine/models/imported/import-model';
import { parseChoice, parseIntOption, printJson, startBackend } from '../context';

const PRESETS = Object.keys(GEOMETRY_PRESETS) as GeometryPresetName[];

interface ImportOptions {
  card: string;
  out: string;
  preset?: GeometryPresetName;
  size?: number;
  views?: number;
  json?: boolean;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InputError(`${file}: cannot be read (${code === 'ENOENT' ? 'missing' : (code ?? String(e))})`, {
      file,
    });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message})`, { file });
  }
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'import your own network (ONNX, e.g. torch.onnx.export; or a TensorFlow.js model.json) with its import card into a model folder for audits',
    )
    .argument('<model>', 'model.onnx, or a TensorFlow.js model.json (its weight files next to it)')
    .requiredOption(
      '--card <card.json>',
      'the import card: input, geometry, intensity mapping, ... (README "Importing your model")',
    )
    .requiredOption('--out <dir>', 'the model folder to write, e.g. models/my-unet')
    .option(
      '--preset <name>',
      `for a card with geometry "follows-ours": the geometry recorded as the model's default (${PRESETS.join(', ')})`,
      parseChoice('preset', PRESETS),
    )
    .option('--size <N>', 'as --preset, the image side', parseIntOption('size', 8, 2048))
    .option('--views <A>', 'as --preset, the number of views', parseIntOption('views', 1, 10000))
    .option('--json', 'print the model card as JSON')
    .action(async (model: string, o: ImportOptions, cmd: Command) => {
      await startBackend(cmd);
      const card = await readJson(o.card);
      const given = o.preset || o.size || o.views;
      const p = GEOMETRY_PRESETS[o.preset ?? 'demo'];
      const geometry = given
        ? makeGeometry({ size: o.size ?? p.size, views: o.views ?? p.views })
        : undefined;
      const r = await importModel({ source: model, card, cardFile: o.card, outDir: o.out, geometry });
      if (o.json) {
        printJson({ outDir: r.outDir, card: r.card, notes: r.notes });
        return;
      }
      const imported = r.card.imported!;
      console.log(`imported ${model} -> ${r.outDir}`);
      console.log(
        `  ${describeImportSource(imported)}; ${imported.source.ops.length} op types, ${r.card.architecture.parameters} parameters`,
      );
      console.log(`  SHA-256 ${imported.source.sha256}`);
      console.log(
        `  geometry: ${describeGeometry(r.card.geometry)}${imported.card.geometry === 'follows-ours' ? ' (default; the model follows the audit geometry)' : ''}`,
      );
      for (const n of r.notes) console.log(`  note: ${n}`);
      console.log(
        `audit it with: ct-audit audit --model ${r.outDir} --data <dicom folder> --out <audit folder>`,
      );
    });
}
