/** Entry of the bundle that bench/gpu-offline-pack.sh builds: `npm run bench gpu` without npm or tsx. */
import { run } from './gpu.bench';

run().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
