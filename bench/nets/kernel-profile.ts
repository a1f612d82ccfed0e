/**
 * Kernel-level profile of a tfjs computation: every kernel registered for the active backend is wrapped
 * with a wall-clock timer for the duration of one call of `fn`. Kernels that call other kernels (ours call
 * wasm's Conv2D, Transpose, ...) are charged their self time; the callee's time goes to the callee.
 * wasm kernels are synchronous, so wall time around kernelFunc is the kernel's time.
 */
import { tf } from '../../src/main/engine/backend';

export interface KernelProfileRow {
  /** Kernel name, or "name [input shapes]" when grouped by shape. */
  key: string;
  calls: number;
  selfMs: number;
}

export interface KernelProfile<T> {
  result: T;
  totalMs: number;
  rows: KernelProfileRow[];
}

export function profileKernels<T>(
  fn: () => T,
  o: { byShape?: (name: string) => boolean } = {},
): KernelProfile<T> {
  const backendName = tf.getBackend();
  const configs = tf.getKernelsForBackend(backendName);
  const rows = new Map<string, KernelProfileRow>();
  const stack: { childMs: number }[] = [];
  for (const c of configs) {
    const inner = c.kernelFunc;
    tf.unregisterKernel(c.kernelName, backendName);
    tf.registerKernel({
      kernelName: c.kernelName,
      backendName,
      kernelFunc: (args) => {
        const frame = { childMs: 0 };
        stack.push(frame);
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          const dt = performance.now() - t0;
          stack.pop();
          if (stack.length) stack[stack.length - 1].childMs += dt;
          const shapes = Object.values(args.inputs)
            .filter((t): t is tf.TensorInfo => t != null)
            .map((t) => `[${t.shape}]`)
            .join(' ');
          const key = o.byShape?.(c.kernelName) ? `${c.kernelName} ${shapes}` : c.kernelName;
          const r = rows.get(key) ?? { key, calls: 0, selfMs: 0 };
          r.calls++;
          r.selfMs += dt - frame.childMs;
          rows.set(key, r);
        }
      },
    });
  }
  const t0 = performance.now();
  try {
    const result = fn();
    const totalMs = performance.now() - t0;
    return { result, totalMs, rows: [...rows.values()].sort((a, b) => b.selfMs - a.selfMs) };
  } finally {
    for (const c of configs) {
      tf.unregisterKernel(c.kernelName, backendName);
      tf.registerKernel(c);
    }
  }
}
