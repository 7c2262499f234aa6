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

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.conns.values()].map((c) => c.close()));
    this.conns.clear();
  }
}
