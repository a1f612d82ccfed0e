/**
 * The engine host in an Electron utilityProcess, as a HostTransport for HostClient (which owns the
 * start timeout, crash -> restart, and kill on quit). The host's stdout/stderr go to the app log.
 */
import { utilityProcess } from 'electron';
import type { HostToOwnerMessage, OwnerToHostMessage } from '@shared/host-protocol';
import type { HostTransport } from '../gateway/host-client';
import hostEntry from './engine-host-entry?modulePath';
import { log, logStream } from './log';

export function spawnUtilityHost(): HostTransport {
  const child = utilityProcess.fork(hostEntry, [], {
    serviceName: 'CT Audit engine',
    stdio: 'pipe',
    env: { ...process.env },
  });
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
        listener({ code, reason: fatal ? `${fatal}, exit code ${code}` : `exit code ${code}` });
      });
    },
    kill() {
      child.kill();
    },
  };
}
