// Commands whose form depends on the server or that ioredis reports awkwardly, in one place:
// INFO over several sections (one call from 7.0, one call per section before), and MULTI/EXEC,
// whose step errors come back inside EXEC's reply without saying which command they belong to.
import { parseInfo, type RedisInfo } from "../facts/redis-info.js";
import type { RedisSession } from "./client.js";
import { commandFailure, RedisCommandError } from "./command-error.js";
import { infoCommands } from "./server-version.js";

/** The text of `INFO <sections>` as this session's server can give it (see infoCommands). */
export async function readInfoText(session: RedisSession, sections: readonly string[]): Promise<string> {
  const calls = infoCommands(session.version, sections);
  if (calls.length === 1) {
    const [name, ...args] = calls[0]!;
    return String(await session.client.call(name!, ...args));
  }
  const pipeline = session.client.pipeline();
  for (const [name, ...args] of calls) pipeline.call(name!, ...args);
  const replies = (await pipeline.exec()) ?? [];
  const texts: string[] = [];
  for (const [i, [err, reply]] of replies.entries()) {
    if (err) throw commandFailure(session.endpoint, calls[i]!, err, [session.endpoint.password]);
    texts.push(String(reply));
  }
  return texts.join("\r\n");
}

/** `INFO <sections>` parsed; the same result whichever way the server had to be asked. */
export async function readInfoSections(session: RedisSession, sections: readonly string[]): Promise<RedisInfo> {
  return parseInfo(await readInfoText(session, sections));
}

/** Options of transaction. */
export interface TransactionOptions {
  /** A step whose run-time error this accepts is not a failure; its reply is the error itself. */
  accept?: (command: readonly string[], error: Error) => boolean;
}

/**
 * Runs `commands` in one MULTI/EXEC and returns their replies. A step the server refused (when
 * queued or when run) throws a RedisCommandError naming that step, never a bare EXECABORT.
 */
export async function transaction(
  session: RedisSession,
  commands: ReadonlyArray<readonly string[]>,
  opts: TransactionOptions = {},
): Promise<unknown[]> {
  const multi = session.client.multi();
  for (const [name, ...args] of commands) multi.call(name!, ...args);
  let replies: Array<[Error | null, unknown]> | null;
  try {
    replies = await multi.exec();
  } catch (e) {
    throw firstQueuedError(e) ?? e;
  }
  if (!replies) throw commandFailure(session.endpoint, ["EXEC"], new Error("transaction discarded"), [session.endpoint.password]);
  // EXEC runs every queued command; one the server refused at run time comes back as that
  // step's [error, undefined] while the others took effect. `accept` lets such a step pass.
  return replies.map(([err, reply], i) => {
    if (err && opts.accept?.(commands[i]!, err)) return err;
    if (err) throw commandFailure(session.endpoint, commands[i]!, err, [session.endpoint.password]);
    return reply;
  });
}

/** ioredis keeps the errors that made EXEC abort on the EXECABORT error as `previousErrors`. */
function firstQueuedError(e: unknown): RedisCommandError | undefined {
  const cause = e instanceof RedisCommandError ? e.cause : e;
  const previous = (cause as { previousErrors?: unknown[] } | undefined)?.previousErrors;
  const first = previous?.find((p) => p instanceof RedisCommandError);
  return first instanceof RedisCommandError ? first : undefined;
}
