// `command` and `shell`: run something on the host. `command` runs the words it is given with
// no shell interpretation (`$`, `|`, `>` are literal); `shell` hands cmd to sh as written.
// Their effect cannot be predicted, so without creates/removes the plan is `unknown`.
import { failureText } from "../errors.js";
import { shJoin, shq, splitWords } from "../connection/quote.js";
import { commandData, nonZeroMessage } from "./command-output.js";

import type { Module, Plan, TaskContext } from "./types.js";

/** Arguments of `command` and `shell`. */
export interface CommandArgs {
  cmd?: string;
  /** Words of the command, each quoted for the shell (command only). */
  argv?: string[];
  chdir?: string;
  /** Skip when this path exists. */
  creates?: string;
  /** Skip when this path does not exist. */
  removes?: string;
  stdin?: string;
}

const commonProps = {
  cmd: { type: "string", minLength: 1 },
  chdir: { type: "string", minLength: 1 },
  creates: { type: "string", minLength: 1 },
  removes: { type: "string", minLength: 1 },
  stdin: { type: "string" },
} as const;

/** The line given to `sh -c`, or why it cannot be built. */
function commandLine(shell: boolean, args: CommandArgs): string | { error: string } {
  let line: string;
  if (shell) {
    line = args.cmd!;
  } else if (args.argv) {
    line = shJoin(args.argv);
  } else {
    const words = splitWords(args.cmd!);
    if ("error" in words) return { error: `cannot parse command ${JSON.stringify(args.cmd)}: ${words.error}` };
    if (words.length === 0) return { error: "the command is empty" };
    line = shJoin(words);
  }
  return args.chdir ? `cd -- ${shq(args.chdir)} && ${line}` : line;
}

/** What the task shows for the command (the written form, not the quoted one). */
function shown(args: CommandArgs): string {
  return args.cmd ?? shJoin(args.argv ?? []);
}

async function planCommand(ctx: TaskContext, args: CommandArgs, shell: boolean): Promise<Plan<string>> {
  const line = commandLine(shell, args);
  if (typeof line === "object") return { changes: [], failed: line.error };
  const cmd = shown(args);
  if (args.creates !== undefined || args.removes !== undefined) {
    const probe = args.creates !== undefined ? args.creates : args.removes!;
    let exists: boolean;
    try {
      const r = await (await ctx.conn()).exec(`test -e ${shq(probe)}`, { become: ctx.become });
      exists = r.code === 0;
    } catch (err) {
      return { changes: [], failed: failureText(err) };
    }
    const skipped = { cmd, rc: 0, stdout: "", stderr: "", stdout_lines: [], stderr_lines: [] };
    if (args.creates !== undefined && exists) {
      return { changes: [], noop: `${probe} exists`, data: { ...skipped, stdout: `skipped, since ${probe} exists` } };
    }
    if (args.creates === undefined && !exists) {
      return { changes: [], noop: `${probe} does not exist`, data: { ...skipped, stdout: `skipped, since ${probe} does not exist` } };
    }
    // creates/removes make the run predictable: it will run, so --check can say so.
    return { changes: [{ summary: `run: ${cmd}` }], state: line };
  }
  return { changes: [{ summary: `run: ${cmd}` }], unknown: true, state: line };
}

function makeModule(name: "command" | "shell"): Module<CommandArgs, string> {
  const shell = name === "shell";
  return {
    name,
    check: "partial",
    freeForm: "cmd",
    schema: shell
      ? { type: "object", properties: commonProps, required: ["cmd"], additionalProperties: false }
      : {
          type: "object",
          properties: { ...commonProps, argv: { type: "array", items: { type: "string" }, minItems: 1 } },
          oneOf: [{ required: ["cmd"] }, { required: ["argv"] }],
          additionalProperties: false,
        },
    plan: (ctx, args) => planCommand(ctx, args, shell),
    async apply(ctx, args, plan) {
      const line = plan.state!;
      const r = await (await ctx.conn()).exec(line, { become: ctx.become, stdin: args.stdin });
      const data = commandData(shown(args), r);
      return r.code === 0 ? { data } : { failed: nonZeroMessage(r), data };
    },
  };
}

export const commandModule = makeModule("command");
export const shellModule = makeModule("shell");
