/** `engine:info`: the engine's half of `app:info` (backend, versions, which features this build serves). */
import type { EngineFeature, EngineInfo } from '@shared/ipc';
import { initBackend } from '../../backend';

export async function engineInfo(features: EngineFeature[]): Promise<EngineInfo> {
  try {
    const b = await initBackend();
    return {
      available: true,
      message: `tfjs backend ${b.backend} (${b.provider})`,
      backend: b.backend,
      versions: b.versions,
      features,
    };
  } catch (e) {
    return {
      available: false,
      message: `The compute backend could not start: ${e instanceof Error ? e.message : String(e)}`,
      features: [],
    };
  }
}
