/**
 * tfjs-backend-webgpu on Dawn in Node, with what Node needs and tfjs does not give:
 * - `readSync` without OffscreenCanvas (sync-read.ts): the engine's `dataSync` calls work on the GPU;
 * - GPU failures as errors: a lost device or an out-of-memory / validation error that WebGPU reports
 *   asynchronously (uncapturederror) is kept, and the next kernel or read throws a GpuFailureError naming
 *   it, instead of computing on invalid buffers (zeros, NaN) or waiting forever;
 * - a start-up self-test (upload, kernel, synchronous read) so a backend that cannot work is never chosen.
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { BackendError, GpuFailureError } from '@shared/errors';
import { createGpu, findSwiftShaderIcd, firstLine } from './dawn-node';
import { rawAdapterData, summarizeAdapter, type WebGpuAdapterSummary } from './adapter';
import { noAdapterReason, probeWebGpu } from './probe';
import { waitForMap } from './sync-read';

/** The parts of WebGPUBackend's internals this subclass uses (private in its .d.ts, public in JS). */
interface Internals {
  tensorMap: tf.DataStorage<{
    values: tf.backend_util.BackendValues | null;
    dtype: tf.DataType;
    resource?: GPUBuffer | GPUTexture;
  }>;
  bufferManager: {
    acquireBuffer(size: number, usage: number): GPUBuffer;
    releaseBuffer(b: GPUBuffer): void;
  };
  commandEncoder: GPUCommandEncoder | null;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: tf.backend_util.BackendValues): void;
}

/** Seconds a synchronous read may wait for the GPU before the job fails (CT_AUDIT_WEBGPU_READ_TIMEOUT_S). */
function readTimeoutMs(): number {
  const s = Number(process.env.CT_AUDIT_WEBGPU_READ_TIMEOUT_S ?? 900);
  return (Number.isFinite(s) && s > 0 ? s : 900) * 1000;
}

export class NodeWebGPUBackend extends WebGPUBackend {
  readonly adapterSummary: WebGpuAdapterSummary;
  private failure: GpuFailureError | undefined;
  /**
   * The object `create()` returned. It owns Dawn's instance, which the event pump dereferences: were it
   * garbage-collected while the device lives, the next pump would use a freed instance (a segfault).
   */
  private gpu: GPU | undefined;
  private disposing = false;

  constructor(gpu: GPU, device: GPUDevice, adapter: GPUAdapter, summary: WebGpuAdapterSummary) {
    // WebGPUBackend's constructor checks navigator.gpu (it expects a browser); nothing reads it later, and
    // leaving a GPU object on a global would keep Node from exiting (webgpu package README, "Lifetime").
    const restore = exposeNavigatorGpu();
    try {
      super(device, adapter.info);
    } finally {
      restore();
    }
    this.adapterSummary = summary;
    this.gpu = gpu;
    void device.lost.then((info) => {
      if (this.disposing) return;
      this.fail(
        'device-lost',
        `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`,
      );
    });
    device.addEventListener('uncapturederror', (ev) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      const oom = typeof GPUOutOfMemoryError !== 'undefined' && err instanceof GPUOutOfMemoryError;
      this.fail(
        oom ? 'out-of-memory' : 'gpu-error',
        oom
          ? `the GPU ran out of memory (${firstLine(err.message)})`
          : `the GPU reported an error (${firstLine(err.message)})`,
      );
    });
  }

  /** Record a GPU failure (the first one wins) and return it. */
  private fail(kind: GpuFailureError['kind'], what: string): GpuFailureError {
    return (this.failure ??= new GpuFailureError(
      kind,
      `webgpu: ${what}; results computed since are invalid. Run the job again, with a smaller batch or ` +
        'image size, or on the CPU (--backend wasm)',
    ));
  }

  /** Throw the recorded GPU failure, if any. */
  checkHealthy(): void {
    if (this.failure) throw this.failure;
  }

  /** Whether a GPU failure was recorded (the device must then be replaced). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  override runWebGPUProgram(...args: Parameters<WebGPUBackend['runWebGPUProgram']>): tf.TensorInfo {
    this.checkHealthy();
    return super.runWebGPUProgram(...args);
  }

  override readSync(dataId: object): tf.backend_util.BackendValues {
    const self = this as unknown as Internals;
    const data = self.tensorMap.get(dataId);
    if (data.values != null || data.dtype === 'string' || data.dtype === 'complex64') {
      // complex64: the parent reads the real and imaginary parts through this method.
      return super.readSync(dataId);
    }
    this.checkHealthy();
    const buffer = data.resource;
    if (!(buffer instanceof GPUBuffer)) {
      throw new BackendError('webgpu: readSync of a tensor that is neither on the CPU nor in a GPU buffer');
    }
    const staging = self.bufferManager.acquireBuffer(
      buffer.size,
      GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
    );
    self.ensureCommandEncoderReady();
    self.endComputePassEncoder();
    self.commandEncoder!.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
    self.submitQueue();
    staging.mapAsync(GPUMapMode.READ).catch(() => {
      // Settled through mapState below; a rejection here means device loss, reported by checkHealthy.
    });
    waitForMap(staging, `a [${data.dtype}] tensor of ${buffer.size} bytes`, readTimeoutMs());
    if (staging.mapState !== 'mapped') {
      // Our own staging buffer only fails to map when the device is gone; the lost promise that says why
      // settles later (a microtask), so this read cannot wait for its message.
      throw this.fail('device-lost', 'the GPU device was lost (a read from it failed)');
    }
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    self.bufferManager.releaseBuffer(staging);
    this.checkHealthy();
    const values = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype);
    self.convertAndCacheOnCPU(dataId, values);
    return values;
  }

  override async read(dataId: object): Promise<tf.backend_util.BackendValues> {
    this.checkHealthy();
    const values = await super.read(dataId);
    this.checkHealthy();
    return values;
  }

  override dispose(): void {
    this.disposing = true;
    super.dispose();
    this.device.destroy();
    this.gpu = undefined;
  }
}

/** Make `navigator.gpu` truthy until the returned function is called. */
function exposeNavigatorGpu(): () => void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  const hadNavigator = g.navigator !== undefined;
  const nav = (hadNavigator ? g.navigator : {}) as { gpu?: unknown };
  const hadGpu = 'gpu' in nav;
  if (!hadNavigator)
    Object.defineProperty(g, 'navigator', { value: nav, configurable: true, writable: true });
  if (!hadGpu) nav.gpu = true;
  return () => {
    if (!hadGpu) delete nav.gpu;
    if (!hadNavigator) delete g.navigator;
  };
}

/**
 * Create the Dawn device and the tfjs backend on it (not registered yet). The device asks for the adapter's
 * limits, as tfjs's own factory does (tfjs-backend-webgpu base.ts), so large images fit in one buffer.
 */
export async function createNodeWebGpuBackend(
  opts: { softwareFallback?: boolean } = {},
): Promise<NodeWebGPUBackend> {
  const icd = opts.softwareFallback ? swiftShaderFallbackIcd() : undefined;
  if (icd && !(await probeWebGpu()).ok) {
    // Asked for webgpu by name on a machine without a GPU driver that Dawn accepts (the probe's child
    // process found no adapter, and kept Dawn's driver warnings off this process's stderr): the SwiftShader
    // adapter, a CPU running the shaders (its summary says "software"). The Vulkan loader reads
    // VK_ICD_FILENAMES when Dawn creates its instance; it stays set so a replacement device after a GPU
    // failure, and child processes, find the same driver.
    process.env.VK_ICD_FILENAMES = icd;
  }
  const gpu = await createGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new BackendError(`webgpu: ${noAdapterReason()}`);
  const summary = summarizeAdapter(rawAdapterData(adapter));
  const l = adapter.limits;
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      },
    });
  } catch (e) {
    throw new BackendError(`webgpu: the adapter refused a device: ${firstLine(e)}`);
  }
  return new NodeWebGPUBackend(gpu, device, adapter, summary);
}

/**
 * The SwiftShader ICD to fall back to: on Linux, when the user chose no Vulkan driver list themselves
 * (VK_ICD_FILENAMES / VK_DRIVER_FILES, which are then respected) and Debian's chromium has installed one.
 */
function swiftShaderFallbackIcd(): string | undefined {
  if (process.platform !== 'linux' || process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) {
    return undefined;
  }
  return findSwiftShaderIcd();
}

/** Upload, compute and read back on the active webgpu backend; throws unless the answer is right. */
export function selfTest(): void {
  const got = tf.tidy(() => Array.from(tf.tensor1d([1, 2, 3]).mul(2).add(1).dataSync()));
  if (got.join(',') !== '3,5,7') {
    throw new BackendError(`webgpu: self-test computed [${got.join(', ')}] instead of [3, 5, 7]`);
  }
}
