// Chooses the Connection for a host from its variables (`ansible_connection`, default ssh).
import { LoadError } from "../errors.js";
import { LocalConnection } from "./local.js";
import { createSshConnection, type SshRunOptions } from "./ssh.js";
import type { Connection } from "./types.js";

export type { SshRunOptions } from "./ssh.js";

/** Creates (does not open) the connection for `host`; it connects on first use. */
export function createConnection(
  host: string,
  vars: Record<string, unknown>,
  run: SshRunOptions,
): Connection {
  const kind = String(vars.ansible_connection ?? "ssh");
  switch (kind) {
    case "local":
      return new LocalConnection(host);
    case "ssh":
    case "paramiko":
      return createSshConnection(host, vars, run);
    default:
      throw new LoadError(
        `host ${host}: unsupported ansible_connection "${kind}"`,
        undefined,
        'use "ssh" or "local"',
      );
  }
}
