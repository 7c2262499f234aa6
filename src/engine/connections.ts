// One Connection per host for the whole run, created on first use and closed at the end.
import { createConnection, type SshRunOptions } from "../connection/index.js";
import type { Connection } from "../connection/types.js";

export class ConnectionPool {
  private readonly conns = new Map<string, Connection>();

  constructor(
    private readonly ssh: SshRunOptions,
    private readonly varsOf: (host: string) => Record<string, unknown>,
  ) {}

  get(host: string): Connection {
    let conn = this.conns.get(host);
    if (!conn) {
      conn = createConnection(host, this.varsOf(host), this.ssh);
      this.conns.set(host, conn);
    }
    return conn;
  }

  /**
   * Starts connecting to `hosts` in the background, with the variables they have now (the engine
   * then finds each connection open, or failed with the error it would have met itself).
   */
  warm(hosts: string[]): void {
    for (const h of hosts) {
      try {
        this.get(h).warm?.();
      } catch {
        // An unusable ansible_connection: the first task on the host reports it.
      }
    }
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.conns.values()].map((c) => c.close()));
    this.conns.clear();
  }
}
