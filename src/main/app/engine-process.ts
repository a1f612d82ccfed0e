/**
 * The engine host in an Electron utilityProcess, as a HostTransport for HostClient (which owns the
 * start timeout, crash -> restart, and kill on quit). The host's stdout/stderr go to the app log.
 *
 * GPU (issue 14, README "GPU"): the engine uses the GPU from this utility process, through Dawn (the npm
 * `webgpu` package), not through Chromium's WebGPU in a hidden window. A GPU driver that crashes or hangs
 * then takes down this process only, which HostClient restarts; Chromium's GPU process, which draws the
 * window, is not involved (in a hidden window, a lost GPU process would blank the UI too, and repeated
 * losses make Chromium disable GPU acceleration for the whole app). After an engine crash the next engine
 * runs on the CPU (wasm), unless CT_AUDIT_BACKEND names a backend: a driver that crashed once would likely
 * crash the restarted engine again.
 */
import { utilityProcess } from 'electron';
import type { HostToOwnerMessage, OwnerToHostMessage } from '@shared/host-protocol';
import type { HostTransport } from '../gateway/host-client';
import hostEntry from './engine-host-entry?modulePath';
import { log, logStream } from './log';

/** Set once an engine host exits abnormally; later hosts run on the CPU backend (see above). */
let engineCrashed = false;

export function spawnUtilityHost(): HostTransport {
  const env = { ...process.env };
  if (engineCrashed && !env.CT_AUDIT_BACKEND) {
    env.CT_AUDIT_BACKEND = 'wasm';
    log('main', 'the engine crashed before: this engine runs on the CPU (wasm), not on the GPU', 'warn');
  }
  const child = utilityProcess.fork(hostEntry, [], {
    serviceName: 'CT Audit engine',
    stdio: 'pipe',
    env,
  });
  let killed = false;
  logStream('engine', child.stdout, 'info');
  logStream('engine', child.stderr, 'warn');
  child.on('spawn', () => log('main', `engine host started (pid ${child.pid ?? '?'})`));
  // A fatal V8 error in the host (out of memory while training, ...): Electron emits 'error', then
  // 'exit'. Without a listener the 'error' would be an uncaught exception in main; with it, the exit
  // below reports the crash, named, and HostClient restarts the host. The diagnostic report (a large
  // JSON) is not logged.
  let fatal: string | undefined;
  child.on('error', (type, location) => {
    fatal = `${type} (${location})`;
    log('main', `engine host fatal error: ${fatal}`, 'error');
  });
  return {
    post(message: OwnerToHostMessage) {
      // utilityProcess messages are structured-cloned: typed arrays travel as typed arrays.
      child.postMessage(message);
    },
    onMessage(listener) {
      child.on('message', (m: HostToOwnerMessage) => listener(m));
    },
    onExit(listener) {
      child.on('exit', (code) => {
        log('main', `engine host exited with code ${code}`, code === 0 ? 'info' : 'warn');
        if (code !== 0 && !killed) engineCrashed = true;
        listener({ code, reason: fatal ? `${fatal}, exit code ${code}` : `exit code ${code}` });
      });
    },
    kill() {
      killed = true;
      child.kill();
    },
  };
}
