// An ioredis Connector whose stream comes from Connection.forward (ssh2 forwardOut, or a TCP
// socket for the local connection). ioredis then speaks RESP over it as over any socket: no
// local TCP listener, nothing for another local user to connect to.
import type { Duplex } from "node:stream";
import type { AbstractConnector } from "ioredis";
import type { Socket } from "node:net";

/** What ioredis' `Connector` option must construct. */
export type ConnectorClass = new (options: unknown) => AbstractConnector;

/**
 * A Connector class bound to `open`, which resolves to a fresh stream each time it is called.
 * `Base` is ioredis' AbstractConnector, passed in so ioredis is only loaded when Redis is used.
 */
export function forwardConnector(
  Base: abstract new (disconnectTimeout: number) => AbstractConnector,
  open: () => Promise<Duplex>,
  timeoutMs: number,
): ConnectorClass {
  return class ForwardConnector extends Base {
    constructor(_options: unknown) {
      super(1000);
    }

    override async connect(): Promise<Socket> {
      this.connecting = true;
      const stream = await withTimeout(open(), timeoutMs);
      if (!this.connecting) {
        // disconnect() was called while the stream was being opened.
        stream.destroy();
        throw new Error("connection closed before it was established");
      }
      this.stream = socketLike(stream);
      return this.stream;
    }
  };
}

/**
 * ioredis calls socket-only methods (setNoDelay, setKeepAlive, setTimeout) on its stream; an ssh2
 * channel lacks them, and they mean nothing for a channel inside an SSH connection.
 */
function socketLike(stream: Duplex): Socket {
  const s = stream as Duplex & Partial<Socket>;
  // An SSH channel stays half-open when the server closes its side (a restarted redis-server):
  // close ours too, so ioredis sees 'close' and the next task opens a fresh session instead of
  // waiting on a dead one.
  s.once("end", () => s.destroy());
  const self = s as unknown as Record<string, unknown>;
  for (const method of ["setNoDelay", "setKeepAlive", "setTimeout"] as const) {
    if (typeof s[method] !== "function") self[method] = () => s;
  }
  return s as Socket;
}

/** Gives up after `ms`; a stream that still arrives later is destroyed rather than leaked. */
function withTimeout(p: Promise<Duplex>, ms: number): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`no stream after ${ms} ms`));
    }, ms);
    p.then(
      (stream) => {
        clearTimeout(timer);
        if (timedOut) stream.destroy();
        else resolve(stream);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
