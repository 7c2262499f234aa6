// user and group against a connection stubbed at the exec boundary: a fake host with passwd and
// group tables that answers getent, id, useradd, usermod, userdel, groupadd, groupmod and
// groupdel as shadow-utils would (tests never add accounts to the machine running them; the real
// commands run on the systemd lab host in test/integration/system-modules-systemd.test.ts).
import { describe, expect, it } from "vitest";
import type { Connection, ExecResult } from "../../src/connection/types.js";
import { groupModule, userModule } from "../../src/modules/user-group.js";
import { makeTaskContext, runModule } from "../helpers/task-context.js";

interface User {
  uid: number;
  group: string;
  groups: string[];
  home: string;
  shell: string;
  comment: string;
}

class FakeAccounts implements Connection {
  readonly host = "node-1";
  readonly writes: string[] = [];
  users = new Map<string, User>();
  groups = new Map<string, number>([
    ["root", 0],
    ["adm", 4],
    ["redis", 120],
  ]);
  async exec(cmd: string): Promise<ExecResult> {
    const out: string[] = [];
    for (const part of cmd.replace(/ 2>&1$/, "").split("; ")) {
      const words = [...part.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      const [c, ...args] = words;
      const name = args[args.length - 1]!;
      const opt = (f: string) => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);
      if (part.startsWith('echo "passwd=')) {
        const n = /getent passwd '?([^')]+)/.exec(part)![1]!;
        const u = this.users.get(n);
        out.push(`passwd=${u ? `${n}:x:${u.uid}:${this.groups.get(u.group)}:${u.comment}:${u.home}:${u.shell}` : ""}`);
      } else if (part.startsWith('echo "primary=')) {
        out.push(`primary=${this.users.get(/id -gn '?([^' ]+)/.exec(part)![1]!)?.group ?? ""}`);
      } else if (part.startsWith('echo "groups=')) {
        const u = this.users.get(/id -Gn '?([^' ]+)/.exec(part)![1]!);
        out.push(`groups=${u ? [u.group, ...u.groups].join(" ") : ""}`);
      } else if (c === "getent" && args[0] === "group") {
        const g = args[1]!;
        if (!this.groups.has(g)) {
          if (part.includes("&& echo")) continue;
          return { code: 2, stdout: out.join("\n"), stderr: "" };
        }
        if (part.includes("&& echo")) out.push(`has=${g}`);
        else out.push(`${g}:x:${this.groups.get(g)}:`);
      } else if (["groupadd", "groupmod", "groupdel", "useradd", "usermod", "userdel"].includes(c!)) {
        this.writes.push(part);
        if (c === "groupadd") this.groups.set(name, Number(opt("-g") ?? 1000 + this.groups.size));
        if (c === "groupmod") this.groups.set(name, Number(opt("-g")));
        if (c === "groupdel") this.groups.delete(name);
        if (c === "useradd") {
          this.users.set(name, {
            uid: Number(opt("-u") ?? 2000 + this.users.size),
            group: opt("-g") ?? name,
            groups: (opt("-G") ?? "").split(",").filter(Boolean),
            home: opt("-d") ?? `/home/${name}`,
            shell: opt("-s") ?? "/bin/sh",
            comment: opt("-c") ?? "",
          });
          if (!opt("-g")) this.groups.set(name, 3000);
        }
        if (c === "usermod") {
          const u = this.users.get(name)!;
          if (opt("-u")) u.uid = Number(opt("-u"));
          if (opt("-s")) u.shell = opt("-s")!;
          if (opt("-d")) u.home = opt("-d")!;
          if (opt("-g")) u.group = opt("-g")!;
          if (opt("-G") !== undefined) {
            const g = opt("-G")!.split(",").filter(Boolean);
            u.groups = args.includes("-a") ? [...u.groups, ...g] : g;
          }
        }
        if (c === "userdel") this.users.delete(name);
      } else {
        return { code: 127, stdout: "", stderr: `unexpected: ${part}` };
      }
    }
    return { code: 0, stdout: out.join("\n"), stderr: "" };
  }
  async read() {
    return null;
  }
  async write() {}
  async stat() {
    return { exists: false, isDir: false };
  }
  async forward(): Promise<never> {
    throw new Error("no forward");
  }
  async close() {}
}

const ctx = (conn: Connection, check = false) => makeTaskContext({ conn, check });

describe("group", () => {
  it("check changes nothing; the real run creates it with its gid; a rerun is ok; a gid change; absent removes it", async () => {
    const host = new FakeAccounts();
    const args = { name: "redis-admin", gid: 1500, system: true };
    const check = await runModule(groupModule, ctx(host, true), args);
    expect([check.status, check.plan.changes]).toEqual(["changed", [{ summary: "create group redis-admin (gid 1500) (system)" }]]);
    expect(host.writes).toEqual([]);
    expect((await runModule(groupModule, ctx(host), args)).status).toBe("changed");
    expect(host.writes).toEqual(["groupadd -g 1500 -r redis-admin"]);
    expect((await runModule(groupModule, ctx(host), args)).status).toBe("ok");
    expect((await runModule(groupModule, ctx(host), { name: "redis-admin", gid: 1501 })).plan.changes).toEqual([
      { summary: "gid of group redis-admin 1500 -> 1501" },
    ]);
    expect((await runModule(groupModule, ctx(host), { name: "redis-admin", state: "absent" })).status).toBe("changed");
    expect(host.groups.has("redis-admin")).toBe(false);
  });
});

describe("user", () => {
  it("check changes nothing; the real run creates the account as asked; a rerun is ok", async () => {
    const host = new FakeAccounts();
    const args = { name: "redis", uid: 990, group: "redis", groups: ["adm"], home: "/var/lib/redis", shell: "/usr/sbin/nologin", system: true, create_home: false };
    const check = await runModule(userModule, ctx(host, true), args);
    expect(check.status).toBe("changed");
    expect(check.plan.changes).toEqual([
      { summary: "create user redis (system) (uid 990, group redis, groups adm, home /var/lib/redis, shell /usr/sbin/nologin)" },
    ]);
    expect(host.writes).toEqual([]);
    const real = await runModule(userModule, ctx(host), args);
    expect(real.status).toBe("changed");
    expect(host.writes).toEqual(["useradd -u 990 -g redis -G adm -d /var/lib/redis -s /usr/sbin/nologin -r -M redis"]);
    const again = await runModule(userModule, ctx(host), args);
    expect([again.status, again.plan.noop]).toEqual(["ok", "user redis is as asked"]);
  });

  it("changes only what differs; append adds groups without removing others; absent removes", async () => {
    const host = new FakeAccounts();
    host.users.set("app", { uid: 2001, group: "redis", groups: ["adm"], home: "/home/app", shell: "/bin/sh", comment: "" });
    const r = await runModule(userModule, ctx(host), { name: "app", shell: "/bin/bash", groups: ["root"], append: true });
    expect(r.plan.changes).toEqual([{ summary: "user app: shell /bin/sh -> /bin/bash, groups adm -> adm,root" }]);
    expect(host.users.get("app")!.groups).toEqual(["adm", "root"]);
    const exact = await runModule(userModule, ctx(host), { name: "app", groups: [] });
    expect(exact.plan.changes).toEqual([{ summary: "user app: groups adm,root -> (none)" }]);
    expect((await runModule(userModule, ctx(host), { name: "app", state: "absent", remove: true })).status).toBe("changed");
    expect(host.writes.at(-1)).toBe("userdel -r app");
  });

  it("a group that does not exist fails the real run, and is predicted under --check", async () => {
    const host = new FakeAccounts();
    const real = await runModule(userModule, ctx(host), { name: "x", groups: "nope,adm" });
    expect(real.plan.failed).toBe("group(s) nope do not exist on localhost; create them first (group module)");
    expect((await runModule(userModule, ctx(host, true), { name: "x", groups: "nope,adm" })).status).toBe("changed");
  });
});
