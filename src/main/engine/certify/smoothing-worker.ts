/**
 * A smoothing thread (smoothing-pool.ts): on its own tfjs backend, answers 'task' messages (samples [k0, k1) of one slice) with their errors, computed by the same function as
 * the main thread (smoothing.ts errorsOfRange) with the task's model rebuilt from its origin, and reports each
 * finished chunk.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, tf } from '../backend';
import { FbpReconstructor } from '../models/fbp-reconstructor';
import type { Reconstructor, ReconstructorOrigin } from '../models/reconstructor';
import { loadModel } from '../models/save-load';
import type { FilterName } from '../physics';
import { errorsOfRange, resolveSmoothing } from './smoothing';
import type { SmoothingReply, SmoothingTask } from './smoothing-pool';

const port = parentPort;
if (!port) throw new Error('smoothing-worker: not in a worker thread');
const { backend } = workerData as { backend: string };

/** The last few models this thread built, by origin (an audit alternates between its models). */
const MODELS_KEPT = 4;
const models = new Map<string, Promise<Reconstructor>>();

function modelFor(o: ReconstructorOrigin): Promise<Reconstructor> {
  const key = JSON.stringify(o);
  let m = models.get(key);
  if (m) {
    models.delete(key);
    models.set(key, m);
    return m;
  }
  m =
    o.kind === 'saved'
      ? loadModel(o.dir).then((r) => r.model)
      : Promise.resolve(
          new FbpReconstructor(o.geometry, { filter: o.filter as FilterName | undefined, cutoff: o.cutoff }),
        );
  models.set(key, m);
  if (models.size > MODELS_KEPT) {
    const [oldKey, old] = models.entries().next().value as [string, Promise<Reconstructor>];
    models.delete(oldKey);
    void old.then(
      (x) => x.dispose(),
      () => undefined,
    );
  }
  return m;
}

const reply = (m: SmoothingReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function start(): Promise<void> {
  await initBackend({ backend });
  // One task at a time (the pool gives a thread one range and waits for it).
  port!.on('message', (t: SmoothingTask) => {
    void (async () => {
      try {
        const model = await modelFor(t.origin);
        const r = resolveSmoothing(model, {
          sigma: t.sigma,
          samples: t.k1,
          space: t.space,
          seed: t.seed,
          batchSize: t.batchSize,
          threads: 1,
        });
        const yb = tf.tensor4d(t.y, t.yShape);
        const base = tf.tensor4d(t.reference, t.referenceShape);
        try {
          const values = await errorsOfRange(model, yb, base, r, t.slice, t.k0, t.k1, (k1) =>
            reply({ type: 'chunk', id: t.id, k1 }),
          );
          reply({ type: 'done', id: t.id, values }, [values.buffer as ArrayBuffer]);
        } finally {
          tf.dispose([yb, base]);
        }
      } catch (e) {
        reply({ type: 'error', id: t.id, message: (e as Error).message });
      }
    })();
  });
  reply({ type: 'ready' });
}

start().catch((e: unknown) => reply({ type: 'error', id: null, message: (e as Error).message }));
