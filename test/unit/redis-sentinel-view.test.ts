// decideSentinelPrimary, table-style: whether Sentinel manages a group, and whom setup, failover
// and switchover must then take as the primary.
import { describe, expect, it } from "vitest";
import { decideSentinelPrimary, type SentinelMasterView } from "../../src/redis/sentinel-view.js";

const nodes = [1, 2, 3].map((i) => ({ host: `node-${i}`, address: `10.0.0.${i}`, port: 6379 }));
const down = (host: string): SentinelMasterView => ({ host, where: host, reachable: false, monitors: false, error: "connection refused" });
const other = (host: string): SentinelMasterView => ({ host, where: host, reachable: true, monitors: false });
const sees = (host: string, primary: number, epoch: number, extra: Partial<SentinelMasterView> = {}): SentinelMasterView => ({
  host,
  where: host,
  reachable: true,
  monitors: true,
  address: `10.0.0.${primary}`,
  port: 6379,
  flags: ["master"],
  configEpoch: epoch,
  ...extra,
});

type Case = [string, SentinelMasterView[], { managed: boolean; primary?: string; error?: RegExp }];
const cases: Case[] = [
  ["no Sentinel answers: not managed (setup decides as without Sentinel)", [down("node-1"), down("node-2"), down("node-3")], { managed: false }],
  ["Sentinels that watch another master only: not managed", [other("node-1"), other("node-2"), down("node-3")], { managed: false }],
  ["Sentinels that agree name the primary", [sees("node-1", 2, 1), sees("node-2", 2, 1), sees("node-3", 2, 1)], { managed: true, primary: "node-2" }],
  ["one Sentinel is enough to say the group is managed", [sees("node-1", 3, 0), down("node-2"), down("node-3")], { managed: true, primary: "node-3" }],
  ["a Sentinel that missed the last failover is outvoted by the newest config-epoch", [sees("node-1", 1, 0), sees("node-2", 3, 2), sees("node-3", 1, 0)], { managed: true, primary: "node-3" }],
  ["a failover in progress: run again later", [sees("node-1", 1, 1, { flags: ["master", "o_down", "failover_in_progress"] }), sees("node-2", 1, 1)], { managed: true, error: /failing over redis right now/ }],
  ["a failover state other than none: run again later", [sees("node-1", 1, 1, { failoverState: "wait_promotion" })], { managed: true, error: /wait_promotion/ }],
  ["a primary outside the group is refused", [sees("node-1", 9, 1)], { managed: true, error: /10\.0\.0\.9:6379 the primary of redis, which is not a node of this group/ }],
];

describe("decideSentinelPrimary", () => {
  it.each(cases)("%s", (_name, views, want) => {
    const d = decideSentinelPrimary(views, nodes, "redis");
    expect(d.managed).toBe(want.managed);
    if (want.primary) expect(d).toMatchObject({ primary: want.primary, address: nodes.find((n) => n.host === want.primary)!.address });
    if (want.error) expect("error" in d ? d.error : "").toMatch(want.error);
  });
});
