// Module arguments that name inventory hosts: a literal name not in the inventory is bad input
// (validate and run stop with exit 4 before any host is touched); a templated one is checked by
// the module after rendering, before it changes anything.
import { describe, expect, it } from "vitest";
import { registerBuiltinModules } from "../../src/modules/index.js";
import { getModule } from "../../src/modules/registry.js";
import { redisReplicationModule } from "../../src/modules/redis/redis-replication.js";
import { redisSwitchoverModule } from "../../src/modules/redis/redis-switchover.js";
import { makeGroupContext, makeTaskContext } from "../helpers/task-context.js";
import { runMain } from "../helpers/main.js";

const dir = "test/fixtures/load/host-args";
const expected = [
  `${dir}/playbook.yaml:7:21: redis_replication replica_of "node-9" is not a host of inventory ${dir}/hosts.yaml; did you mean "node-1"?`,
  `${dir}/playbook.yaml:13:28: redis_health replicas[1] "nod-3" is not a host of inventory ${dir}/hosts.yaml; did you mean "node-3"?`,
  `${dir}/playbook.yaml:16:20: redis_topology preferred "node-4" is not a host of inventory ${dir}/hosts.yaml; did you mean "node-1"?`,
  `${dir}/playbook.yaml:20:22: redis_failover new_primary "primary" is not a host of inventory ${dir}/hosts.yaml; inventory hosts: node-1, node-2, node-3`,
];

describe("host names in module arguments", () => {
  it("every module argument that names a host is declared as one", () => {
    registerBuiltinModules();
    expect(getModule("redis_replication")?.hostArgs).toEqual(["replica_of"]);
    expect(getModule("redis_health")?.hostArgs).toEqual(["primary", "replicas"]);
    expect(getModule("redis_topology")?.hostArgs).toEqual(["hosts", "preferred", "override"]);
    expect(getModule("redis_failover")?.hostArgs).toEqual(["hosts", "new_primary"]);
    expect(getModule("redis_switchover")?.hostArgs).toEqual(["hosts", "new_primary"]);
  });

  it("validate -i reports each literal name missing from the inventory, located, with a hint, exit 4", async () => {
    const r = await runMain(["validate", `${dir}/playbook.yaml`, "-i", `${dir}/hosts.yaml`]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n")).toEqual(expected.map((e) => `error: ${e}`));
  });

  it("run stops with the same errors before connecting to any host", async () => {
    const r = await runMain(["run", `${dir}/playbook.yaml`, "-i", `${dir}/hosts.yaml`]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n")).toEqual(expected.map((e) => `error: ${e}`));
    expect(r.stdout).not.toContain("TASK");
  });

  it("without an inventory validate cannot know the hosts and does not guess", async () => {
    const r = await runMain(["validate", `${dir}/playbook.yaml`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("a rendered replica_of that is not an inventory host fails the task before any connection", async () => {
    const ctx = makeTaskContext({ host: "node-1", vars: { groups: { all: ["node-1", "node-2"] } } });
    const noConnection = async () => {
      throw new Error("must not connect");
    };
    const plan = await redisReplicationModule.plan({ ...ctx, conn: noConnection, connFor: noConnection }, { replica_of: "node-9" });
    expect(plan).toEqual({ changes: [], failed: 'redis_replication replica_of "node-9" is not an inventory host; did you mean "node-1"?' });
  });

  it("a rendered host list item that is not an inventory host fails a group module before any connection", async () => {
    const ctx = makeTaskContext({ host: "node-1", vars: { groups: { all: ["node-1", "node-2"] } } });
    const noConnection = async () => {
      throw new Error("must not connect");
    };
    const args = { hosts: ["node-1", "10.0.0.7"] };
    const g = makeGroupContext(["node-1", "node-2"], () => ({ ...ctx, conn: noConnection, connFor: noConnection }), () => args);
    const plan = await redisSwitchoverModule.plan(g, args);
    for (const host of ["node-1", "node-2"]) {
      expect(plan.hosts[host]).toEqual({
        changes: [],
        failed: 'redis_switchover hosts[1] "10.0.0.7" is not an inventory host; inventory hosts: node-1, node-2',
      });
    }
  });
});
