/** A tiny FBPConvNet with its optimizer and a batch of 4 ellipse phantoms (y = A x), for method tests. */
import type { Geometry } from '@shared/geometry';
import { tf } from '../../../src/main/engine/backend';
import { FbpConvNet } from '../../../src/main/engine/models/fbpconvnet';
import { RadonOperator, makePhantom } from '../../../src/main/engine/physics';
import { createRng } from '../../../src/main/engine/random';
import type { MethodContext, TrainBatch } from '../../../src/main/engine/training/method';

export interface TinyMethodSetup {
  ctx: MethodContext;
  batch: TrainBatch;
  dispose: () => void;
}

export function tinyMethodSetup(
  g: Geometry,
  seed: number,
  o: { optimizer: () => tf.Optimizer; epoch?: number; stepsPerEpoch?: number },
): TinyMethodSetup {
  const N = g.size;
  const op = new RadonOperator(g);
  const model = FbpConvNet.create(g, { preset: 'tiny', seed });
  const imgs = [0, 1, 2, 3].map((i) => makePhantom('ellipses', N, { seed: `${seed}-${i}` }).image);
  const x = tf.tensor4d(Float32Array.from(imgs.flatMap((a) => Array.from(a))), [4, N, N, 1]);
  const y = op.forward(x);
  const optimizer = o.optimizer();
  const ctx: MethodContext = {
    model,
    optimizer,
    op,
    geometry: g,
    rng: createRng(seed),
    step: 0,
    epoch: o.epoch ?? 0,
    stepsPerEpoch: o.stepsPerEpoch ?? 10,
  };
  return { ctx, batch: { x, y }, dispose: () => (tf.dispose([x, y]), optimizer.dispose(), model.dispose()) };
}
