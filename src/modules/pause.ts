// `pause`: waits a fixed time. The wait happens in plan because an empty plan is never applied
// and a pause changes nothing; it also runs under --check, as a timed step of a rollout would.
// Interactive prompts are not supported (runs are unattended), so the schema rejects `prompt`.
import type { Module } from "./types.js";

/** Arguments of `pause`: seconds or minutes. */
export interface PauseArgs {
  seconds?: number;
  minutes?: number;
}

export const pauseModule: Module<PauseArgs> = {
  name: "pause",
  check: "full",
  local: true,
  schema: {
    type: "object",
    properties: { seconds: { type: "number", minimum: 0 }, minutes: { type: "number", minimum: 0 } },
    oneOf: [{ required: ["seconds"] }, { required: ["minutes"] }],
    additionalProperties: false,
  },
  async plan(_ctx, args) {
    const seconds = args.seconds ?? (args.minutes ?? 0) * 60;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return { changes: [], noop: `paused for ${seconds} s`, data: { delta: seconds } };
  },
  async apply() {
    return {};
  },
};
