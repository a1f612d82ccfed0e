// Worker-thread bootstrap for the engine host when running from TypeScript sources (the `ct-audit`
// CLI, vitest): registers tsx in this thread, then loads worker-entry.ts. The Electron build does not
// use it (its utilityProcess entry is bundled JavaScript).
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register({ tsconfig: fileURLToPath(new URL('../../../../tsconfig.node.json', import.meta.url)) });
await import('./worker-entry.ts');
