// Independent Redis clients for tests of TLS groups: ioredis over TLS, verifying the node's
// certificate against the group's CA (which redplay keeps beside the lab's inventory), with a
// client certificate or an ACL user where asked; plus openssl s_client, as an operator runs it.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Redis } from "ioredis";
import type { TestLab } from "./lab.js";

/** The controller directory of the lab's CA and certificates: tls/<inventory name> beside the inventory. */
export function labTlsDir(lab: TestLab): string {
  return join(dirname(lab.paths.inventory), "tls", "inventory");
}

export interface TestClientOptions {
  /** Over TLS, with the CA of `tlsDir` (else plain text). */
  tlsDir?: string;
  /** Present redplay's client certificate (tls-auth-clients yes). */
  clientCert?: boolean;
  username?: string;
  password: string;
  port?: number;
}

/** A connected client (PING answered), no retries; rejects when the node refuses it. */
export async function testClient(address: string, o: TestClientOptions): Promise<Redis> {
  const tls = o.tlsDir
    ? {
        tls: {
          ca: readFileSync(join(o.tlsDir, "ca.crt")),
          ...(o.clientCert ? { cert: readFileSync(join(o.tlsDir, "redplay-client.crt")), key: readFileSync(join(o.tlsDir, "redplay-client.key")) } : {}),
        },
      }
    : {};
  const c = new Redis({
    host: address,
    port: o.port ?? 6379,
    ...(o.username ? { username: o.username } : {}),
    password: o.password,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    connectTimeout: 3000,
    ...tls,
  });
  c.on("error", () => undefined);
  try {
    await c.connect();
    await c.ping();
  } catch (e) {
    c.disconnect();
    throw e;
  }
  return c;
}

/** One command on a fresh client, closed after. */
export async function testCall(address: string, o: TestClientOptions, ...args: string[]): Promise<unknown> {
  const c = await testClient(address, o);
  try {
    return await c.call(args[0]!, ...args.slice(1));
  } finally {
    c.disconnect();
  }
}

/** `openssl s_client` against address:port, verifying with the CA: its output. */
export function sClient(address: string, port: number, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile("openssl", ["s_client", "-connect", `${address}:${port}`, "-CAfile", ca, "-verify_return_error", "-showcerts"], { timeout: 15_000 }, (_e, stdout, stderr) => resolve(stdout + stderr));
    child.stdin?.end();
  });
}
