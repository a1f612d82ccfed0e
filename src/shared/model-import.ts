/**
 * Importing a researcher's own network (issue 13; DESIGN.md section 4, external models): the import card
 * that says what the network expects, validated with zod and shared by the CLI (`ct-audit import --card`),
 * the IPC contract and the UI's import form, and the `imported` section that the stored model card
 * (card.json) carries. Pure data and zod only.
 *
 * The engine works in canonical units x = max(0, 1 + HU/1000) on images [B,N,N,1] and line integrals of x
 * (pixel-length units) on sinograms [B,A,D,1] (DESIGN.md section 3). The card's intensity mapping and
 * sinogram scale say how the network's own units relate to those; the wrapper converts once on the way in
 * and once on the way out.
 */
import { z } from 'zod';
import { InputError } from './errors';
import { FILTER_NAMES } from './ipc-common';

export const IMPORT_CARD_FORMAT = 'ct-audit/import-card';

/** What the network reads: the sinogram, the FBP image of it, or both (two inputs). */
export const IMPORT_INPUT_KINDS = ['sinogram', 'fbp-image', 'image+sinogram'] as const;
export type ImportInputKind = (typeof IMPORT_INPUT_KINDS)[number];

/** white-box: imported into the differentiable engine; black-box: forward passes through onnxruntime-node. */
export const IMPORT_ACCESS = ['white-box', 'black-box'] as const;
export type ImportAccess = (typeof IMPORT_ACCESS)[number];

export const IMPORT_SOURCE_FORMATS = ['onnx', 'tfjs-layers', 'tfjs-graph'] as const;
export type ImportSourceFormat = (typeof IMPORT_SOURCE_FORMATS)[number];

/** Words for reports and the UI. */
export const SOURCE_FORMAT_TEXT: Record<ImportSourceFormat, string> = {
  onnx: 'ONNX',
  'tfjs-layers': 'TensorFlow.js layers model',
  'tfjs-graph': 'TensorFlow.js graph model',
};

const windowSchema = z
  .strictObject({
    /** HU mapped to 0 (unit-window) or -1 (symmetric-window). */
    minHu: z.number().finite(),
    /** HU mapped to 1. */
    maxHu: z.number().finite(),
  })
  .refine((w) => w.maxHu > w.minHu, { message: 'maxHu must be above minHu' });

/**
 * The network's image unit u as a function of HU (and of the engine's x = 1 + HU/1000):
 *   attenuation       u = x (the engine's own unit)
 *   hu                u = HU
 *   unit-window       u = (HU - minHu) / (maxHu - minHu)        ([0, 1] over the window)
 *   symmetric-window  u = 2 (HU - minHu) / (maxHu - minHu) - 1  ([-1, 1] over the window)
 * Values outside the window are not clipped (clipping would hide perturbations from the network's input).
 */
export const IntensityMappingSchema = z.discriminatedUnion('unit', [
  z.strictObject({ unit: z.literal('attenuation') }),
  z.strictObject({ unit: z.literal('hu') }),
  z.strictObject({ unit: z.literal('unit-window'), window: windowSchema }),
  z.strictObject({ unit: z.literal('symmetric-window'), window: windowSchema }),
]);
export type IntensityMapping = z.infer<typeof IntensityMappingSchema>;

/** u = a x + b for the mapping (x the engine's unit). */
export function intensityAffine(m: IntensityMapping): { a: number; b: number } {
  // HU = 1000 (x - 1)
  switch (m.unit) {
    case 'attenuation':
      return { a: 1, b: 0 };
    case 'hu':
      return { a: 1000, b: -1000 };
    case 'unit-window': {
      const w = m.window.maxHu - m.window.minHu;
      return { a: 1000 / w, b: (-1000 - m.window.minHu) / w };
    }
    case 'symmetric-window': {
      const w = m.window.maxHu - m.window.minHu;
      return { a: 2000 / w, b: (2 * (-1000 - m.window.minHu)) / w - 1 };
    }
  }
}

export function describeIntensity(m: IntensityMapping): string {
  switch (m.unit) {
    case 'attenuation':
      return 'attenuation relative to water, x = 1 + HU/1000';
    case 'hu':
      return 'Hounsfield units';
    case 'unit-window':
      return `[0, 1] over the window ${m.window.minHu} to ${m.window.maxHu} HU`;
    case 'symmetric-window':
      return `[-1, 1] over the window ${m.window.minHu} to ${m.window.maxHu} HU`;
  }
}

/**
 * The parallel-beam geometry the network was trained for, in the engine's conventions (DESIGN.md section 3),
 * or 'follows-ours': the network works at whatever geometry the audit uses (e.g. an image-domain network on
 * FBP images of any size its architecture accepts).
 */
export const ImportGeometrySchema = z.union([
  z.literal('follows-ours'),
  z.strictObject({
    size: z.number().int().min(2).max(4096),
    views: z.number().int().min(1).max(10000),
    /** Default ceil(size sqrt 2 / detectorSpacing), as the engine's. */
    detectors: z.number().int().min(1).max(16384).optional(),
    /** Detector bin spacing in pixels. */
    detectorSpacing: z.number().positive().default(1),
    /** The views cover [firstAngleDeg, firstAngleDeg + angularRangeDeg) in equal steps. */
    angularRangeDeg: z.number().positive().default(180),
    firstAngleDeg: z.number().default(0),
  }),
]);
export type ImportGeometry = z.infer<typeof ImportGeometrySchema>;

export const ImportCardSchema = z.strictObject({
  format: z.literal(IMPORT_CARD_FORMAT).default(IMPORT_CARD_FORMAT),
  /** One sentence for reports (default: the file name and format). */
  description: z.string().max(300).optional(),
  input: z.enum(IMPORT_INPUT_KINDS),
  /** The network's input names for the image and the sinogram (default: the order image, sinogram). */
  inputNames: z
    .strictObject({ image: z.string().min(1).optional(), sinogram: z.string().min(1).optional() })
    .optional(),
  geometry: ImportGeometrySchema,
  /** The FBP that makes the image input (fbp-image, image+sinogram). */
  fbp: z
    .strictObject({ filter: z.enum(FILTER_NAMES), cutoff: z.number().gt(0).max(1) })
    .default({ filter: 'ram-lak', cutoff: 1 }),
  intensity: IntensityMappingSchema,
  /** The network's sinogram = sinogramScale x the engine's line integrals (sinogram inputs). */
  sinogramScale: z.number().positive().finite().default(1),
  /** The network outputs a correction that is added to its image input (in its units) to give the image. */
  residual: z.boolean().default(false),
  access: z.enum(IMPORT_ACCESS).default('white-box'),
  /** What the researcher states about the model (free text; the file's hash and format are recorded). */
  provenance: z
    .strictObject({
      exporter: z.string().max(200).optional(),
      training: z.string().max(500).optional(),
      notes: z.string().max(1000).optional(),
    })
    .default({}),
});
export type ImportCardInput = z.input<typeof ImportCardSchema>;
export type ImportCard = z.infer<typeof ImportCardSchema>;

/** Validates an import card (defaults filled); InputError naming `where` and the first bad field. */
export function parseImportCard(json: unknown, where: string): ImportCard {
  const r = ImportCardSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.join('.') || '(root)';
    throw new InputError(`${where}: not a valid import card (${field}: ${issue.message})`, {
      file: where,
      field,
    });
  }
  const card = r.data;
  if (card.residual && card.input === 'sinogram') {
    throw new InputError(
      `${where}: residual is true, but a sinogram-input network has no image input to add to`,
      {
        file: where,
        field: 'residual',
      },
    );
  }
  if (card.geometry !== 'follows-ours') {
    // The engine simulates parallel-beam views theta_k = k 180 / A degrees (DESIGN.md section 3).
    const g = card.geometry;
    if (g.angularRangeDeg !== 180 || g.firstAngleDeg !== 0) {
      const field = g.angularRangeDeg !== 180 ? 'geometry.angularRangeDeg' : 'geometry.firstAngleDeg';
      throw new InputError(
        `${where}: ${field} is ${g.angularRangeDeg !== 180 ? g.angularRangeDeg : g.firstAngleDeg}; the engine simulates ${g.views} views over [0, 180) degrees only, so it cannot feed this network the sinograms it was trained on`,
        { file: where, field },
      );
    }
  }
  return card;
}

/** The `imported` section of a stored model card: the import card plus what the import found. */
export const ImportedModelSchema = z.object({
  card: ImportCardSchema,
  source: z.object({
    format: z.enum(IMPORT_SOURCE_FORMATS),
    /** The file the user imported (its name only). */
    fileName: z.string(),
    /** SHA-256 (hex) of the imported file as given (the .onnx file, or model.json + weights). */
    sha256: z.string(),
    bytes: z.number().int(),
    /** Producer (exporter) named in the file, e.g. "pytorch 1.13.0"; tfjs: generatedBy / convertedBy. */
    producer: z.string(),
    irVersion: z.number().int().nullable(),
    opset: z.number().int().nullable(),
    /** The op types (ONNX) or layer / node types (tfjs) of the network. */
    ops: z.array(z.string()),
  }),
  access: z.enum(IMPORT_ACCESS),
  /** Why the model is black-box: the nodes the importer could not map (empty for white-box). */
  unsupported: z.array(z.string()),
  /** The network's inputs and output as declared (names and shapes). */
  io: z.object({
    inputs: z.array(
      z.object({
        name: z.string(),
        role: z.enum(['image', 'sinogram']),
        shape: z.array(z.union([z.number(), z.string(), z.null()])).nullable(),
      }),
    ),
    output: z.object({
      name: z.string(),
      shape: z.array(z.union([z.number(), z.string(), z.null()])).nullable(),
    }),
  }),
});
export type ImportedModel = z.infer<typeof ImportedModelSchema>;

/** One line for reports: "ONNX (pytorch 1.13.0, opset 13), white-box". */
export function describeImportSource(m: ImportedModel): string {
  const detail = [m.source.producer, m.source.opset !== null ? `opset ${m.source.opset}` : null]
    .filter(Boolean)
    .join(', ');
  return `${SOURCE_FORMAT_TEXT[m.source.format]}${detail ? ` (${detail})` : ''}, ${m.access}`;
}
