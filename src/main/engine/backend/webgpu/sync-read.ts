/**
 * Synchronous GPU -> CPU reads for Dawn in Node (the npm `webgpu` package).
 *
 * Why: the engine reads small results synchronously (`dataSync`: a loss, a norm, a certification sample)
 * in ~50 places, and tfjs-backend-webgpu's own `readSync` needs `OffscreenCanvas`, which Node lacks. WebGPU
 * has no synchronous map; in dawn.node a `mapAsync` completes only when the binding's event pump runs
 * `wgpuInstanceProcessEvents`, which it schedules through the global `setImmediate` (dawn
 * src/dawn/node/binding/AsyncRunner.cpp: `env.Global().Get("setImmediate")`, looked up at every call).
 *
 * How: `installTickCapture` replaces the global `setImmediate` by a wrapper that recognises the pump's
 * callbacks — those scheduled while a Dawn call runs (`asDawnCall`) or while a previous pump callback runs —
 * and keeps the latest one in a slot while still scheduling it normally. `waitForMap` then runs that pump
 * itself, in a loop with short sleeps (Atomics.wait, so a software GPU's worker threads get the CPU), until
 * the buffer's `mapState` leaves 'pending'. A pump callback that already ran is skipped when the event loop
 * reaches its stale copy, so nothing runs twice. If the binding ever stops pumping this way, `waitForMap`
 * finds no pump to run and throws; the backend's start-up self-test (node-backend.ts) does exactly that
 * read, so a Dawn release that changes this makes `webgpu` unavailable with that reason, never a hang.
 */
import { BackendError } from '@shared/errors';

type Callback = (...args: unknown[]) => void;

interface PumpState {
  /** The newest pump callback scheduled and not yet run. */
  pending: Callback | undefined;
  /** > 0 while a Dawn API call or a pump callback runs: setImmediate calls then come from the pump. */
  dawnDepth: number;
  installed: boolean;
}

const state: PumpState = { pending: undefined, dawnDepth: 0, installed: false };

/** Install the setImmediate wrapper once per thread (before the first Dawn call). */
export function installTickCapture(): void {
  if (state.installed) return;
  state.installed = true;
  const real = globalThis.setImmediate;
  const wrapped = function (this: unknown, fn: Callback, ...args: unknown[]) {
    if (state.dawnDepth === 0 || typeof fn !== 'function') {
      return real.call(globalThis, fn as never, ...(args as []));
    }
    const pump: Callback = () => runPump(pump, fn, args);
    state.pending = pump;
    return real.call(globalThis, (() => {
      if (state.pending === pump) runPump(pump, fn, args);
    }) as never);
  };
  // Keep setImmediate's own properties (util.promisify.custom) so `promisify(setImmediate)` still works.
  Object.assign(wrapped, real);
  globalThis.setImmediate = wrapped as unknown as typeof setImmediate;
}

function runPump(pump: Callback, fn: Callback, args: unknown[]): void {
  if (state.pending === pump) state.pending = undefined;
  state.dawnDepth++;
  try {
    fn(...args);
  } finally {
    state.dawnDepth--;
  }
}

/** Run a Dawn call whose asynchronous work starts the pump (mapAsync, requestDevice, ...). */
export function asDawnCall<T>(f: () => T): T {
  state.dawnDepth++;
  try {
    return f();
  } finally {
    state.dawnDepth--;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Block until `buffer`'s pending mapAsync settles (runs Dawn's event pump here). Throws a BackendError
 * when it does not map (device lost, destroyed buffer), when no pump is scheduled, or after `timeoutMs`.
 */
export function waitForMap(buffer: GPUBuffer, what: string, timeoutMs: number): void {
  const t0 = Date.now();
  let sleepMs = 0;
  while (buffer.mapState === 'pending') {
    const pump = state.pending;
    if (!pump) {
      throw new BackendError(
        `webgpu: cannot read ${what} synchronously: Dawn's event pump is not scheduled ` +
          '(this version of the `webgpu` package schedules it differently); use another backend',
      );
    }
    pump();
    if (buffer.mapState !== 'pending') break;
    if (Date.now() - t0 > timeoutMs) {
      throw new BackendError(
        `webgpu: reading ${what} from the GPU took more than ${Math.round(timeoutMs / 1000)} s ` +
          '(CT_AUDIT_WEBGPU_READ_TIMEOUT_S); the GPU is hung or far too slow for this job',
      );
    }
    // Back off from 0 to 1 ms: short waits while a result is about to land, no busy loop on long kernels.
    if (sleepMs > 0) Atomics.wait(sleeper, 0, 0, sleepMs);
    sleepMs = Math.min(1, sleepMs + 0.05);
  }
}
