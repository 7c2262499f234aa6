// Reading a lab's Redis nodes directly (ioredis on each node's own address, with the password),
// independently of redplay, plus running a playbook of the repo against the lab's inventory.
import { Redis } from "ioredis";
import { runCli, type CliResult } from "./cli.js";
import type { TestLab } from "./lab.js";

export interface LabRedis {
  /** Every client opened, to disconnect in afterAll. */
  clients: Redis[];
  /** A new, not yet connected client for the node (no retries, no offline queue). */
  redis(node: string): Redis;
  /** One command on the node over a fresh connection. */
  call(node: string, ...args: string[]): Promise<unknown>;
  /** One SET on the node: "OK", or the error Redis answered (NOREPLICAS, READONLY, ...). */
  trySet(node: string, key: string): Promise<string>;
  /** "master", or "replica of <host> link <up|down>". */
  role(node: string): Promise<string>;
  /** `redplay run playbooks/<name> -i <lab inventory> ...extra`; its stdout and stderr are kept in `outputs`. */
  playbook(name: string, ...extra: string[]): Promise<CliResult>;
  /** The stdout + stderr of every playbook run so far, in order (for the no-secret-in-output checks). */
  outputs: string[];
  /** Writes SET + WAIT 1 on the node in a loop until a write fails or stop(); `acked` holds the keys WAIT confirmed. */
  startWriter(node: string, prefix: string): Writer;
}

/** A running writer of acknowledged keys. */
export interface Writer {
  acked: string[];
  /** Why the writer stopped on its own (the node went away, READONLY, ...). */
  error: string | undefined;
  stop(): Promise<void>;
}

export function labRedis(theLab: () => TestLab, password: string): LabRedis {
  const clients: Redis[] = [];
  const redis = (node: string): Redis => {
    const c = new Redis({
      host: theLab().address[node],
      port: 6379,
      password,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: 3000,
    });
    c.on("error", () => undefined);
    clients.push(c);
    return c;
  };
  const call = async (node: string, ...args: string[]): Promise<unknown> => {
    const c = redis(node);
    try {
      await c.connect();
      return await c.call(args[0]!, ...args.slice(1));
    } finally {
      c.disconnect();
    }
  };
  const role = async (node: string): Promise<string> => {
    const info = String(await call(node, "INFO", "replication"));
    const r = /role:(\w+)/.exec(info)![1]!;
    if (r === "master") return "master";
    return `replica of ${/master_host:(\S+)/.exec(info)![1]} link ${/master_link_status:(\w+)/.exec(info)![1]}`;
  };
  const outputs: string[] = [];
  const playbook = async (name: string, ...extra: string[]) => {
    const r = await runCli(["run", `playbooks/${name}`, "-i", theLab().paths.inventory, ...extra], { timeoutMs: 180_000 });
    outputs.push(r.stdout + r.stderr);
    return r;
  };
  const startWriter = (node: string, prefix: string): Writer => {
    const acked: string[] = [];
    let stop = false;
    const c = redis(node);
    const writer: Writer = { acked, error: undefined, stop: async () => {} };
    const done = (async () => {
      try {
        await c.connect();
      } catch (e) {
        writer.error = `cannot connect to ${node}: ${(e as Error).message}`;
        return;
      }
      for (let i = 0; !stop; i++) {
        try {
          const key = `${prefix}:${i}`;
          await c.set(key, String(i));
          if (Number(await c.call("WAIT", "1", "1000")) >= 1) acked.push(key);
        } catch (e) {
          writer.error = (e as Error).message;
          return;
        }
      }
    })();
    writer.stop = async () => {
      stop = true;
      await done;
      c.disconnect();
    };
    return writer;
  };
  const trySet = async (node: string, key: string): Promise<string> => {
    try {
      return String(await call(node, "SET", key, "1"));
    } catch (e) {
      return (e as Error).message;
    }
  };
  return { clients, redis, call, trySet, role, playbook, outputs, startWriter };
}

/** Polls `check` every 200 ms until it holds (a rejection counts as false); throws after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Polls until `check` stops throwing (replication is asynchronous), every 200 ms; rethrows its last error. */
export async function eventually(check: () => Promise<void>, attempts = 50): Promise<void> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await check();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw last;
}

/**
 * After the primary node-1 was killed: waits until Sentinel promoted node-2 or node-3 and the
 * other follows it (`roleOf` as `replica of <address> link up`); the promoted node.
 */
export async function untilSentinelPromoted(roleOf: (node: string) => Promise<string>, addr: (node: string) => string, ms = 90_000): Promise<string> {
  let promoted = "";
  await until(
    "Sentinel promoting a replica, the other following it",
    async () => {
      for (const n of ["node-2", "node-3"]) {
        if ((await roleOf(n).catch(() => "")) !== "master") continue;
        const other = n === "node-2" ? "node-3" : "node-2";
        if ((await roleOf(other).catch(() => "")) === `replica of ${addr(n)} link up`) {
          promoted = n;
          return true;
        }
      }
      return false;
    },
    ms,
  );
  return promoted;
}
