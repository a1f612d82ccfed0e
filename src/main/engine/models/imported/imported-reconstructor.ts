/**
 * An imported network as a Reconstructor f: sinograms [B,A,D,1] -> images [B,N,N,1] in canonical units
 * (DESIGN.md sections 3-4), so that attacks, certification, audits, batches and reports take it as they
 * take the engine's own models. The import card (src/shared/model-import.ts) says what the network reads;
 * the wrapper converts once on the way in and once on the way out:
 *
 *   image input     u = a FBP(y) + b          (FBP with the card's filter; a, b from the intensity mapping)
 *   sinogram input  s = sinogramScale y
 *   output          x = (net(u, s) [+ u when residual] - b) / a
 *
 * Everything outside the network is tfjs ops, so the reconstructor is differentiable exactly when the
 * network is (white-box); a black-box network makes `differentiable` false.
 */
import { InputError } from '@shared/errors';
import { physicsOf, type Geometry } from '@shared/geometry';
import {
  describeIntensity,
  intensityAffine,
  SOURCE_FORMAT_TEXT,
  type ImportCard,
  type ImportedModel,
  type ImportSourceFormat,
} from '@shared/model-import';
import { tf } from '../../backend';
import { RadonOperator } from '../../physics';
import { DEFAULT_FBP_SETTINGS } from '../fbpconvnet';
import type { GraphIo } from '../onnx/graph';
import type { Reconstructor, ReconstructorOrigin } from '../reconstructor';
import type { ImportedNetwork } from './network';

export type InputRole = 'image' | 'sinogram';

/** Which network input is the image and which the sinogram, from the card (names, else declaration order). */
export function assignInputs(
  card: ImportCard,
  inputs: readonly GraphIo[],
  file: string,
): Record<string, InputRole> {
  const roles: InputRole[] =
    card.input === 'fbp-image' ? ['image'] : card.input === 'sinogram' ? ['sinogram'] : ['image', 'sinogram'];
  if (inputs.length !== roles.length) {
    throw new InputError(
      `${file}: the card says input "${card.input}" (${roles.length} input${roles.length > 1 ? 's' : ''}), but the network has ${inputs.length}: ${inputs.map((i) => i.name).join(', ')}`,
      { field: 'input' },
    );
  }
  const names = inputs.map((i) => i.name);
  const out: Record<string, InputRole> = {};
  const given = card.inputNames ?? {};
  for (const role of roles) {
    const name = given[role];
    if (name !== undefined && !names.includes(name)) {
      throw new InputError(
        `${file}: inputNames.${role} "${name}" is not an input of the network (${names.join(', ')})`,
        {
          field: `inputNames.${role}`,
        },
      );
    }
  }
  const taken = new Set(roles.map((r) => given[r]).filter((n): n is string => n !== undefined));
  const free = names.filter((n) => !taken.has(n));
  for (const role of roles) out[given[role] ?? (free.shift() as string)] = role;
  return out;
}

/** The declared spatial extent [rows, columns] of an input (NCHW for ONNX, NHWC for tfjs), where numeric. */
function declaredExtent(io: GraphIo, format: ImportSourceFormat): [number | null, number | null] | null {
  const s = io.shape;
  if (!s || (s.length !== 3 && s.length !== 4)) return null;
  const num = (v: number | string | null) => (typeof v === 'number' && v > 0 ? v : null);
  if (s.length === 3) return [num(s[1]), num(s[2])];
  if (format === 'onnx') {
    if (num(s[1]) !== null && s[1] !== 1) return null;
    return [num(s[2]), num(s[3])];
  }
  if (num(s[3]) !== null && s[3] !== 1) return null;
  return [num(s[1]), num(s[2])];
}

/** Refuses a network whose declared input sizes differ from the geometry, naming the field. */
export function checkInputShapes(
  roles: Record<string, InputRole>,
  inputs: readonly GraphIo[],
  g: Geometry,
  format: ImportSourceFormat,
  file: string,
): void {
  for (const io of inputs) {
    const role = roles[io.name];
    const ext = declaredExtent(io, format);
    const shape = `[${(io.shape ?? []).map((d) => d ?? '?').join(',')}]`;
    if (!ext) {
      throw new InputError(
        `${file}: input "${io.name}" is declared ${shape}; a single-channel ${role} ${format === 'onnx' ? '[batch, 1, rows, columns]' : '[batch, rows, columns, 1]'} is expected`,
      );
    }
    const want: [string, number][] =
      role === 'image'
        ? [
            ['size', g.size],
            ['size', g.size],
          ]
        : [
            ['views', g.views],
            ['detectors', g.detectors],
          ];
    ext.forEach((d, k) => {
      if (d !== null && d !== want[k][1]) {
        throw new InputError(
          `${file}: geometry.${want[k][0]} is ${want[k][1]}, but the network's ${role} input "${io.name}" is declared ${shape}`,
          { field: `geometry.${want[k][0]}` },
        );
      }
    });
  }
}

export interface ImportedInfo {
  name: string;
  imported: ImportedModel;
}

export class ImportedReconstructor implements Reconstructor {
  readonly kind = 'imported' as const;
  readonly geometry: Geometry;
  readonly op: RadonOperator;
  readonly differentiable: boolean;
  /** Set by loadModel (a folder other threads can rebuild the model from). */
  origin?: ReconstructorOrigin;
  private readonly roles: Record<string, InputRole>;
  private readonly affine: { a: number; b: number };

  constructor(
    geometry: Geometry,
    readonly network: ImportedNetwork,
    readonly info: ImportedInfo,
    file: string,
  ) {
    if (physicsOf(geometry).kind !== 'radon') {
      throw new InputError(
        `${file}: imported networks reconstruct parallel-beam CT; the geometry's physics is ${physicsOf(geometry).kind}`,
        { field: 'physics' },
      );
    }
    this.op = new RadonOperator(geometry);
    this.geometry = this.op.geometry;
    this.differentiable = network.differentiable;
    const card = info.imported.card;
    this.roles = assignInputs(card, network.inputs, file);
    checkInputShapes(this.roles, network.inputs, this.geometry, info.imported.source.format, file);
    this.affine = intensityAffine(card.intensity);
  }

  get card(): ImportCard {
    return this.info.imported.card;
  }

  /** The network's image input u = a FBP(y) + b (differentiable). */
  private imageInput(y: tf.Tensor4D): tf.Tensor4D {
    const img = this.op.fbp(y, { ...this.card.fbp, backprojector: DEFAULT_FBP_SETTINGS.backprojector });
    const { a, b } = this.affine;
    return a === 1 && b === 0 ? img : (tf.add(tf.mul(img, a), b) as tf.Tensor4D);
  }

  /**
   * The batch size the network was exported for when it is fixed (torch.onnx.export without dynamic_axes
   * writes batch 1, and may hard-code it in Reshape nodes): reconstruct then runs batches in chunks of it.
   */
  private get fixedBatch(): number | null {
    const b = this.network.inputs[0]?.shape?.[0];
    return typeof b === 'number' && b > 0 ? b : null;
  }

  reconstruct(y: tf.Tensor4D): tf.Tensor4D {
    const k = this.fixedBatch;
    const B = y.shape[0];
    if (k === null || k === B) return this.reconstructBatch(y);
    return tf.tidy(() => {
      const parts: tf.Tensor4D[] = [];
      for (let s = 0; s < B; s += k) {
        const n = Math.min(k, B - s);
        let chunk = tf.slice(y, [s, 0, 0, 0], [n, -1, -1, -1]);
        // The last chunk is filled up with zero sinograms to the network's batch, their images dropped.
        if (n < k)
          chunk = tf.concat([chunk, tf.zeros<tf.Rank.R4>([k - n, y.shape[1], y.shape[2], y.shape[3]])]);
        const out = this.reconstructBatch(chunk);
        parts.push(n < k ? tf.slice(out, [0, 0, 0, 0], [n, -1, -1, -1]) : out);
      }
      return tf.concat(parts);
    });
  }

  private reconstructBatch(y: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const feeds: Record<string, tf.Tensor4D> = {};
      let image: tf.Tensor4D | undefined;
      for (const [name, role] of Object.entries(this.roles)) {
        if (role === 'image') feeds[name] = image = this.imageInput(y);
        else feeds[name] = this.card.sinogramScale === 1 ? y : tf.mul(y, this.card.sinogramScale);
      }
      let out = this.network.run(feeds);
      const N = this.geometry.size;
      if (out.shape[1] !== N || out.shape[2] !== N || out.shape[0] !== y.shape[0]) {
        throw new InputError(
          `${this.info.name}: the network returned [${out.shape.join(',')}] for a batch of ${y.shape[0]}; images [${y.shape[0]},${N},${N},1] are expected (geometry.size ${N})`,
        );
      }
      if (this.card.residual && image) out = tf.add(out, image);
      const { a, b } = this.affine;
      return a === 1 && b === 0 ? out : (tf.div(tf.sub(out, b), a) as tf.Tensor4D);
    });
  }

  /** Runs once on zeros, so that constants the network caches on first use exist before any caller counts tensors. */
  warmUp(): void {
    const g = this.geometry;
    tf.tidy(() => {
      this.reconstruct(tf.zeros([1, g.views, g.detectors, 1]));
    });
  }

  parameterCount(): number {
    return this.network.parameterCount;
  }

  describe(): string {
    const m = this.info.imported;
    const card = m.card;
    const what = card.description ?? m.source.fileName;
    return (
      `Imported ${SOURCE_FORMAT_TEXT[m.source.format]} model ${what} (${card.input} input, ${describeIntensity(card.intensity)}` +
      `${card.residual ? ', residual' : ''}; ${m.access})`
    );
  }

  dispose(): void {
    this.network.dispose();
  }
}
