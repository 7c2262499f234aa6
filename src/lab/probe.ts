// Raw TCP probes of a node's services. The lab checks readiness and status without ssh or
// redis-cli so that `up` stays fast for 50 nodes and `status` never hangs on a dead node:
// sshd is up when it sends its `SSH-2.0` banner, Redis when it answers PING.
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** What a probe saw: the first bytes the server sent, or null when it could not connect. */
async function exchange(host: string, port: number, send: string | null, until: (buf: string) => boolean, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    let buf = "";
    let settled = false;
    const sock = connect({ host, port });
    const done = (value: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(buf.length > 0 ? buf : null), timeoutMs);
    sock.on("connect", () => {
      if (send !== null) sock.write(send);
    });
    sock.on("data", (chunk) => {
      buf += chunk.toString("latin1");
      if (until(buf)) done(buf);
    });
    sock.on("error", () => done(buf.length > 0 ? buf : null));
    sock.on("close", () => done(buf.length > 0 ? buf : null));
  });
}

/** True when something accepts TCP connections on host:port. */
export async function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(true); // no refusal: something holds the port but is slow to accept
    }, timeoutMs);
    sock.on("connect", () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(true);
    });
    sock.on("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** True when an SSH server on host:22 sends its protocol banner. */
export async function sshdAnswers(host: string, timeoutMs = 1000): Promise<boolean> {
  const got = await exchange(host, 22, null, (b) => b.includes("\n"), timeoutMs);
  return got !== null && got.startsWith("SSH-2.0");
}

/** The password inventory/lab.yaml and the lab's own inventory use when REDIS_PASSWORD is unset. */
export const LAB_PASSWORD = "lab-only-password";

/**
 * True when Redis on host:6379 is serving. A node that requires a password answers PING with
 * `-NOAUTH`: it is up, just locked.
 */
export async function redisAnswers(host: string, timeoutMs = 1000): Promise<boolean> {
  const got = await exchange(host, 6379, "PING\r\n", (b) => b.includes("\r\n"), timeoutMs);
  if (got !== null && (got.startsWith("+PONG") || got.startsWith("-NOAUTH"))) return true;
  // A node with redis_tls serves TLS on the port: a completed handshake is a server that is up.
  return (await portOpen(host, 6379, timeoutMs)) && tlsHandshakes(host, 6379, timeoutMs);
}

/** True when a TLS server completes a handshake on host:port (its certificate is not judged: a probe). */
function tlsHandshakes(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tlsConnect({ host, port, rejectUnauthorized: false });
    const done = (v: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on("secureConnect", () => done(true));
    sock.on("error", () => done(false));
  });
}

/**
 * The node's replication role from `INFO replication`; null when unknown (down, or locked with a
 * password other than the lab's: REDIS_PASSWORD, else the lab inventory's default).
 */
export async function redisRole(host: string, password?: string, timeoutMs = 1000): Promise<"master" | "slave" | null> {
  const done = (b: string) => /\r\nrole:\w+/.test(b) || /^-|\r\n-/.test(b.replace(/^\+OK\r\n/, ""));
  let got = await exchange(host, 6379, "INFO replication\r\n", done, timeoutMs);
  if (got?.startsWith("-NOAUTH")) {
    const pw = password ?? process.env.REDIS_PASSWORD ?? LAB_PASSWORD;
    const auth = `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(pw)}\r\n${pw}\r\n`;
    got = await exchange(host, 6379, `${auth}INFO replication\r\n`, done, timeoutMs);
  }
  const role = got ? /\r\nrole:(master|slave)/.exec(got)?.[1] : undefined;
  return role === "master" || role === "slave" ? role : null;
}
