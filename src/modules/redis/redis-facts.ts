// `redis_facts`: reads INFO from the task's host and publishes it as the `redis` fact (and as
// data for `register`). Reading changes nothing, so the plan is always empty.
import { failureText } from "../../errors.js";
import type { Module } from "../types.js";
import { readInfo } from "./node-read.js";

/** Arguments of `redis_facts`. */
export interface RedisFactsArgs {
  /** INFO sections to read. @default ["server", "replication", "persistence"] */
  sections?: string[];
}

const DEFAULT_SECTIONS = ["server", "replication", "persistence"];

export const redisFactsModule: Module<RedisFactsArgs> = {
  name: "redis_facts",
  setsFacts: ["redis"],
  check: "full",
  schema: {
    type: "object",
    properties: {
      sections: { type: "array", items: { type: "string", pattern: "^[A-Za-z_]+$" }, minItems: 1 },
    },
    additionalProperties: false,
  },
  async plan(ctx, args) {
    try {
      const { session, info } = await readInfo(ctx, ctx.host, args.sections ?? DEFAULT_SECTIONS);
      const facts: Record<string, unknown> = {
        address: session.endpoint.address,
        port: session.endpoint.port,
        // `none`: the node has no password yet; setup must secure it before its replicas.
        auth: session.auth,
        // Which server answered: { flavor: redis|valkey, version, redisCompat }.
        version: session.version,
        role: info.replication?.role,
        server: info.server,
        replication: info.replication,
        persistence: info.persistence,
      };
      if (args.sections) facts.sections = info.sections;
      return { changes: [], noop: "facts gathered", data: facts, facts: { redis: facts } };
    } catch (e) {
      return { changes: [], failed: failureText(e) };
    }
  },
  async apply() {
    return {};
  },
};
