// One Connection per host for the whole run, created on first use and closed at the end.
import { createConnection, type SshRunOptions } from "../connection/index.js";
import type { Connection } from "../connection/types.js";

export class ConnectionPool {
  private readonly conns = new Map<string, Connection>();

  constructor(
    private readonly ssh: SshRunOptions,
    private readonly varsOf: (host: string) => Record<string, unknown>,
  ) {}

  /**
   * The connection to `host`. `user` (remote_user of the task or play, -u, ansible.cfg) is the
   * SSH user only when the host's own variables name none (ansible_user wins, as in Ansible);
   * a different user is a different connection.
   */
  get(host: string, user?: string): Connection {
    const vars = this.varsOf(host);
    const hostUser = vars.ansible_user ?? vars.ansible_ssh_user;
    const asUser = user !== undefined && (hostUser === undefined || hostUser === null || hostUser === "") ? user : undefined;
    const key = asUser === undefined ? host : `${host}\u0000${asUser}`;
    let conn = this.conns.get(key);
    if (!conn) {
      conn = createConnection(host, asUser === undefined ? vars : { ...vars, ansible_user: asUser }, this.ssh);
      this.conns.set(key, conn);
    }
    return conn;
  }

  /**
   * Starts connecting to `hosts` in the background, with the variables they have now and the
   * user `userOf` gives (as for get); the engine then finds each connection open, or failed with
   * the error it would have met itself.
   */
  warm(hosts: string[], userOf: (host: string) => string | undefined = () => undefined): void {
    for (const h of hosts) {
      try {
        this.get(h, userOf(h)).warm?.();
      } catch {
        // An unusable ansible_connection, or a remote_user that does not render: the first task on the host reports it.
      }
    }
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.conns.values()].map((c) => c.close()));
    this.conns.clear();
  }
}
