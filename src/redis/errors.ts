// Failures to reach or log in to a Redis. They are not UnreachableError: the host itself may be
// fine (SSH works) while its Redis is down or refuses our password, so modules turn these into
// a failed task rather than marking the host unreachable.
import { RedplayError } from "../errors.js";

/** Why a Redis could not be used (`version`: a server too old, or one that would not say which it is). */
export type RedisAccessReason = "unreachable" | "auth" | "noauth" | "config" | "version";

/** Redis on `host` could not be reached or refused our credentials; the message never holds a password. */
export class RedisAccessError extends RedplayError {
  constructor(
    readonly host: string,
    readonly reason: RedisAccessReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Replaces every occurrence of each secret in `text` with `***`. */
export function scrub(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("***");
  return out;
}
