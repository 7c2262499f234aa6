// `wait_for`: waits until a port opens or closes, or a path appears or goes, as seen from the
// host (a socket from the controller would test the wrong network). Waiting changes nothing, so:
// plan probes once and is a noop when the condition already holds; otherwise the plan is
// `unknown` (skipped under --check, since nobody can know whether it would come true) and apply
// polls until it does, reporting ok, never changed. With `delay` the first probe is deferred, so
// the plan is `unknown` without probing.
import { failureText } from "../errors.js";
import { shq } from "../connection/quote.js";
import type { Connection } from "../connection/types.js";

import type { Module, TaskContext } from "./types.js";

/** Arguments of `wait_for`: a port or a path. */
export interface WaitForArgs {
  /** @default "127.0.0.1" */
  host?: string;
  port?: number;
  path?: string;
  /** started/stopped for ports, present/absent for paths. @default "started" or "present" */
  state?: "started" | "stopped" | "present" | "absent";
  /** Seconds before failing. @default 300 */
  timeout?: number;
  /** Seconds before the first probe. @default 0 */
  delay?: number;
  /** Seconds between probes. @default 1 */
  sleep?: number;
}

/** Exit 0 open, 1 closed, 127 no tool on the host to test a port with. */
function portProbe(host: string, port: number): string {
  const h = shq(host);
  return (
    `if command -v bash >/dev/null 2>&1; then timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' ${h} ${port} 2>/dev/null && exit 0 || exit 1; ` +
    `elif command -v nc >/dev/null 2>&1; then nc -z -w 3 ${h} ${port} 2>/dev/null && exit 0 || exit 1; ` +
    `else exit 127; fi`
  );
}

function describe(args: WaitForArgs): string {
  const state = wantedState(args);
  return args.port !== undefined
    ? `port ${args.port} on ${args.host ?? "127.0.0.1"} to be ${state === "started" ? "open" : "closed"}`
    : `${args.path} to be ${state}`;
}

function wantedState(args: WaitForArgs): string {
  if (args.state) return args.state;
  return args.port !== undefined ? "started" : "present";
}

/** True when the condition holds now; a string when it cannot be tested at all. */
async function holds(conn: Connection, ctx: TaskContext, args: WaitForArgs): Promise<boolean | string> {
  const state = wantedState(args);
  if (args.port !== undefined) {
    const r = await conn.exec(portProbe(args.host ?? "127.0.0.1", args.port), { become: ctx.become });
    if (r.code === 127) return `cannot test ports on ${ctx.host}: neither bash nor nc is installed`;
    return (r.code === 0) === (state === "started");
  }
  const r = await conn.exec(`test -e ${shq(args.path!)}`, { become: ctx.become });
  return (r.code === 0) === (state === "present");
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

export const waitForModule: Module<WaitForArgs> = {
  name: "wait_for",
  check: "partial",
  schema: {
    type: "object",
    properties: {
      host: { type: "string", minLength: 1 },
      port: { type: "integer", minimum: 1, maximum: 65535 },
      path: { type: "string", minLength: 1 },
      state: { enum: ["started", "stopped", "present", "absent"] },
      timeout: { type: "number", minimum: 0 },
      delay: { type: "number", minimum: 0 },
      sleep: { type: "number", exclusiveMinimum: 0 },
    },
    oneOf: [{ required: ["port"] }, { required: ["path"] }],
    if: { required: ["port"] },
    then: { properties: { state: { enum: ["started", "stopped"] } } },
    else: { properties: { state: { enum: ["present", "absent"] } } },
    additionalProperties: false,
  },
  async plan(ctx, args) {
    const what = describe(args);
    if (!args.delay) {
      let now: boolean | string;
      try {
        now = await holds(await ctx.conn(), ctx, args);
      } catch (err) {
        return { changes: [], failed: failureText(err) };
      }
      if (typeof now === "string") return { changes: [], failed: now };
      if (now) return { changes: [], noop: `${what.replace(/ to be /, " is ")}`, data: { elapsed: 0 } };
    }
    return { changes: [{ summary: `wait for ${what}` }], unknown: true };
  },
  async apply(ctx, args) {
    const timeout = args.timeout ?? 300;
    const start = Date.now();
    if (args.delay) await sleep(args.delay);
    const conn = await ctx.conn();
    for (;;) {
      const now = await holds(conn, ctx, args);
      const elapsed = Math.round((Date.now() - start) / 1000);
      if (typeof now === "string") return { failed: now, changed: false };
      if (now) return { changed: false, data: { elapsed } };
      if (Date.now() - start >= timeout * 1000) {
        return { failed: `timeout after ${timeout} s waiting for ${describe(args)}`, changed: false, data: { elapsed } };
      }
      await sleep(Math.min(args.sleep ?? 1, Math.max(0, timeout - (Date.now() - start) / 1000)));
    }
  },
};
