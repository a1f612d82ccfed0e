/**
 * Once per `vitest run`, before the test processes start: ask whether there is a hardware WebGPU adapter
 * (backend/webgpu/probe.ts, a child process of about a second) and leave the answer in
 * CT_AUDIT_WEBGPU_PROBE, which every test process, worker and CLI child inherits, so that automatic backend
 * selection does not probe again in each of them.
 */
import { probeWebGpu } from '../../src/main/engine/backend/webgpu';

export default async function setup(): Promise<void> {
  await probeWebGpu();
}
