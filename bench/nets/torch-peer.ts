/**
 * A long-lived Python peer process (bench/py/unet_torch.py) driven one JSON line at a time, so that the
 * bench can interleave PyTorch's timed runs with ours in the same minute of machine load.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';

export class PythonPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';
  private exited: string | undefined;

  constructor(python: string, script: string, env: Record<string, string> = {}) {
    this.proc = spawn(python, [script], { env: { ...process.env, ...env }, stdio: 'pipe' });
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = `exited (code ${code}, signal ${signal}): ${this.stderr}`;
      for (const w of this.waiting.splice(0)) w('');
    });
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
  }

  /** Send one command and wait for its reply; throws on an `error` reply or a dead process. */
  async call<T = Record<string, unknown>>(cmd: Record<string, unknown>): Promise<T> {
    if (this.exited) throw new Error(`python peer ${this.exited}`);
    const reply = new Promise<string>((resolve) => this.waiting.push(resolve));
    this.proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    const line = await reply;
    if (!line) throw new Error(`python peer ${this.exited ?? 'closed its output'}`);
    const r = JSON.parse(line) as T & { error?: string };
    if (r.error) throw new Error(`python peer, ${JSON.stringify(cmd)}: ${r.error}`);
    return r;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    try {
      await this.call({ cmd: 'quit' });
    } catch {
      // already gone
    }
    this.lines.close();
  }
}
