// Worker entry of bench/nets/batch-split.ts: loads the TypeScript worker through tsx (the bench runner's
// tsx hooks live in the main thread only).
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport('./batch-split-worker.ts', { parentURL: import.meta.url, tsconfig: workerData.tsconfig });
