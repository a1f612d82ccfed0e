/**
 * A WebSocket client on a bare TCP socket (node:net), for sending what no WebSocket library would:
 * frames with a reserved opcode, without the client mask, cut short, with invalid UTF-8, or a length
 * past the server's limit. It performs the RFC 6455 handshake itself and reads the server's frames.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawFrame {
  opcode: number;
  payload: Buffer;
  fin?: boolean;
  /** RSV1..3 bits (0..7); anything but 0 without a negotiated extension is a protocol error. */
  rsv?: number;
  /** Client frames must be masked (RFC 6455 section 5.1); false sends it in the clear. */
  mask?: boolean;
  /** Length written in the header when it should lie about the payload that follows. */
  declaredLength?: number;
}

/** One frame's bytes (RFC 6455 section 5.2). */
export function encodeRawFrame(f: RawFrame): Buffer {
  const length = f.declaredLength ?? f.payload.length;
  const mask = f.mask ?? true;
  const head: number[] = [((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | f.opcode];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    const ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(length));
    head.push(maskBit | 127, ...ext);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), f.payload]);
  const key = randomBytes(4);
  const body = Buffer.from(f.payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), key, body]);
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

export class RawWebSocket {
  readonly frames: ServerFrame[] = [];
  /** The close code the server sent (1006 when the connection ended without a close frame). */
  readonly closed: Promise<{ code: number; reason: string }>;
  private buffered = Buffer.alloc(0);
  private onFrame: (() => void)[] = [];

  private constructor(
    readonly socket: Socket,
    rest: Buffer,
  ) {
    this.closed = new Promise((resolve) => {
      let sent: { code: number; reason: string } | undefined;
      this.onFrame.push(() => {
        const close = this.frames.find((f) => f.opcode === 0x8);
        if (close && !sent) {
          sent = {
            code: close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005,
            reason: close.payload.subarray(2).toString('utf8'),
          };
          resolve(sent);
        }
      });
      socket.on('close', () => resolve(sent ?? { code: 1006, reason: '' }));
    });
    // Resets and the like end the connection; the test looks at `closed`, not at socket errors.
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => this.receive(d));
    if (rest.length > 0) this.receive(rest);
  }

  /** Opens a TCP connection and upgrades it (Host: 127.0.0.1 unless `headers` has one); rejects with the HTTP status line when refused. */
  static open(
    port: number,
    pathAndQuery: string,
    headers: Record<string, string> = {},
  ): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const key = randomBytes(16).toString('base64');
      const ownHost = Object.keys(headers).some((k) => k.toLowerCase() === 'host');
      const lines = [
        `GET ${pathAndQuery} HTTP/1.1`,
        ...(ownHost ? [] : [`Host: 127.0.0.1:${port}`]),
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Version: 13',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      let head = Buffer.alloc(0);
      const onData = (d: Buffer): void => {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
        if (!/^HTTP\/1\.1 101 /.test(status)) {
          socket.destroy();
          reject(new Error(status));
          return;
        }
        resolve(new RawWebSocket(socket, head.subarray(end + 4)));
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
    });
  }

  send(frame: RawFrame | Buffer): void {
    this.socket.write(Buffer.isBuffer(frame) ? frame : encodeRawFrame(frame));
  }

  /** The next data frame (binary or text) the server sends. */
  nextMessage(): Promise<ServerFrame> {
    const seen = this.frames.length;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const f = this.frames.slice(seen).find((x) => x.opcode === 0x1 || x.opcode === 0x2);
        if (f) resolve(f);
      };
      this.onFrame.push(check);
      void this.closed.then(({ code }) => reject(new Error(`closed (${code}) before a message arrived`)));
    });
  }

  private receive(d: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, d]);
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return;
      let length = b[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      this.frames.push({ opcode: b[0] & 0x0f, payload: b.subarray(offset, offset + length) });
      this.buffered = b.subarray(offset + length);
      for (const f of this.onFrame) f();
    }
  }
}
