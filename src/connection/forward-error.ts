// A forward that reached its host but not its target. Not an UnreachableError: the host itself
// answered (its SSH works), only the address:port behind it did not (a stopped redis-server, a
// wrong redis_port, or an sshd that forbids forwarding), so the task fails and the host stays in
// the run, where any_errors_fatal sees the failure.
import { RedplayError } from "../errors.js";

/**
 * Why the host could not open the stream: `connect`, it tried and nothing accepted the connection
 * (refused, no route, timed out); `prohibited`, its sshd does not forward; `other`, anything else.
 */
export type ForwardFailure = "connect" | "prohibited" | "other";

/** Connection.forward reached `host` but could not connect to `address`:`port` from there. */
export class ForwardError extends RedplayError {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly port: number,
    readonly failure: ForwardFailure,
    /** The host's own words, lower-cased (sshd's channel-open failure text, or the socket error). */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${host} cannot connect to ${address}:${port}: ${detail}`, options);
  }
}
