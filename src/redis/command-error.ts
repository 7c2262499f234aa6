// What a command sent to a Redis got instead of the reply redplay expected, said the same way
// for every module: which host, what was sent (passwords masked) and what the server answered.
// A bare `ERR syntax error` tells an operator nothing; "Redis on node-1 replied to INFO: ERR
// syntax error (sent to 10.0.0.1:6379: INFO server replication)" says where to look.
import type { Redis } from "ioredis";
import { RedplayError } from "../errors.js";
import { maskCommand } from "./command-mask.js";
import type { RedisEndpoint } from "./endpoint.js";
import { scrub } from "./errors.js";

/** A command failed on a host's Redis: an error reply, no reply in time, or a closed connection. */
export class RedisCommandError extends RedplayError {
  constructor(
    readonly host: string,
    /** The command as it may be shown (passwords masked). */
    readonly command: string,
    /** The server's error reply; undefined when the server did not answer. */
    readonly reply: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Where = Pick<RedisEndpoint, "host" | "address" | "port">;

/**
 * The error to report for `args` having failed on `where` with `e`. An error reply (ioredis's
 * ReplyError) reads `Redis on H replied to NAME: <reply> (sent to A:P: <command>)`; anything
 * else (a timeout, a closed connection) reads `Redis on H (A:P) did not answer <command>: <why>`.
 * `secrets` are scrubbed from the server's words too (an error may echo an argument).
 */
export function commandFailure(where: Where, args: ReadonlyArray<unknown>, e: unknown, secrets: Array<string | undefined> = []): RedisCommandError {
  if (e instanceof RedisCommandError) return e;
  const words = args.map(argText);
  if (words.length > 0) words[0] = words[0]!.toUpperCase();
  const masked = maskCommand(words);
  const hidden = [...secrets, ...masked.secrets];
  const text = scrub(e instanceof Error ? e.message : String(e), hidden);
  const at = `${where.address}:${where.port}`;
  if (isReplyError(e)) {
    return new RedisCommandError(
      where.host,
      masked.display,
      text,
      `Redis on ${where.host} replied to ${words[0] ?? "?"}: ${text} (sent to ${at}: ${masked.display})`,
      { cause: e },
    );
  }
  return new RedisCommandError(where.host, masked.display, undefined, `Redis on ${where.host} (${at}) did not answer ${masked.display}: ${text}`, {
    cause: e,
  });
}

/** An error the server sent back (as opposed to a timeout or a broken connection). */
export function isReplyError(e: unknown): e is Error {
  return e instanceof Error && e.name === "ReplyError";
}

const DECORATED = Symbol("redplay.decorated");

interface SentCommand {
  name: string;
  args: unknown[];
  reject: (err: Error) => void;
  [DECORATED]?: true;
}

/**
 * Makes every command sent through `client` fail with a RedisCommandError (see commandFailure),
 * so no caller can forget to say where and what. ioredis routes every command, pipelined and
 * transactional ones included, through `sendCommand`; its `reject` is wrapped once per command.
 */
export function decorateCommandErrors(client: Redis, where: Where, secrets: () => Array<string | undefined>): void {
  const send = client.sendCommand.bind(client) as (command: SentCommand, ...rest: unknown[]) => unknown;
  const patched = (command: SentCommand, ...rest: unknown[]): unknown => {
    if (!command[DECORATED]) {
      command[DECORATED] = true;
      const reject = command.reject;
      command.reject = (err: Error) => reject(commandFailure(where, [command.name, ...command.args], err, secrets()));
    }
    return send(command, ...rest);
  };
  (client as unknown as { sendCommand: typeof patched }).sendCommand = patched;
}

function argText(a: unknown): string {
  if (Buffer.isBuffer(a)) return a.toString("utf8");
  return String(a);
}
