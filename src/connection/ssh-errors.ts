// Turns ssh2's connect errors (classified by `err.level`) into redplay's transport errors, with
// messages that name the host and the setting to change. Never includes secrets.
import { AuthError, UnreachableError } from "../errors.js";

/** Who we were connecting to, for messages. */
export interface ConnectTarget {
  /** Inventory name (the host the error is attributed to). */
  host: string;
  address: string;
  port: number;
  user: string;
  /** Set when the failing hop is a jump host on the way to `host`. */
  via?: string;
}

/** `user@address` plus `:port` when it is not 22. */
export function describeTarget(t: ConnectTarget): string {
  return `${t.user}@${t.address}${t.port === 22 ? "" : `:${t.port}`}`;
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  EPIPE: "connection closed",
  EADDRNOTAVAIL: "address not available",
};

/** Maps an ssh2 connect error to UnreachableError / AuthError. */
export function mapConnectError(
  err: Error & { level?: string; code?: string },
  t: ConnectTarget,
  extra: { timeoutMs: number; tried: string[]; authHint?: string },
): UnreachableError {
  const who = describeTarget(t);
  const via = t.via ? ` (jump host on the way to ${t.host})` : "";
  switch (err.level) {
    case "client-authentication": {
      const tried = extra.tried.length > 0 ? extra.tried.join(", ") : "none";
      const hint = extra.authHint ?? "check ansible_user, ansible_ssh_private_key_file or the ssh-agent";
      return new AuthError(t.host, `authentication failed for ${who}${via} (tried: ${tried}): ${hint}`, { cause: err });
    }
    case "client-timeout":
      return new UnreachableError(
        t.host,
        `timed out after ${extra.timeoutMs / 1000}s connecting to ${who}${via}: check the address and port, or raise ansible_timeout`,
        { cause: err },
      );
    case "client-dns":
      return new UnreachableError(t.host, `cannot resolve ${t.address}${via}: check ansible_host`, { cause: err });
    default: {
      const reason = (err.code && SOCKET_REASONS[err.code]) ?? err.message;
      return new UnreachableError(
        t.host,
        `${reason} connecting to ${who}${via}: is sshd running there, and are ansible_host/ansible_port right?`,
        { cause: err },
      );
    }
  }
}
