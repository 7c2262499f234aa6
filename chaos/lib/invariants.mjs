// The invariants, judged only from what the servers and their files say:
//  1. never two writable primaries (two masters that both accept a SET, seen twice in a row);
//  2. no acknowledged write lost, except the writes a primary took after the failover that
//     replaced it, when setup names that primary as demoted (README: its writes are discarded);
//  3. after the faults heal and a setup run, the group has converged;
//  4. no node is left down except the ones the schedule killed.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PREFIX, call, client, nodeServes, replicationOf, rolesLine, writableMasters } from "./servers.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Invariant 1 at one moment: null, or a violation when two masters accept a SET twice in a row. */
export async function twoWritablePrimaries(nodes, password) {
  const first = await writableMasters(nodes, password);
  if (first.writable.length < 2) return { violation: null, seen: first.seen };
  // A switchover can show the old primary writable just before the new one: ask again.
  await sleep(150);
  const second = await writableMasters(nodes, password);
  const both = second.writable.filter((n) => first.writable.includes(n));
  if (both.length < 2) return { violation: null, seen: second.seen };
  return {
    violation: {
      invariant: "two writable primaries",
      detail: `${both.join(" and ")} are masters and both accepted a SET (twice, 150 ms apart)`,
      evidence: { first: first.answers, second: second.answers, roles: rolesLine(second.seen) },
    },
    seen: second.seen,
  };
}

/** Invariant 4: every node the schedule did not kill serves sshd and Redis (waits up to graceMs). */
export async function nodesLeftDown(nodes, deadNames, graceMs = 15_000) {
  const expectedUp = nodes.filter((n) => !deadNames.includes(n.name));
  const deadline = Date.now() + graceMs;
  for (;;) {
    const states = await Promise.all(expectedUp.map(async (n) => ({ n, ...(await nodeServes(n.address)) })));
    const down = states.filter((s) => !s.ssh || !s.redis);
    if (down.length === 0) return [];
    if (Date.now() > deadline) {
      return down.map((s) => ({
        invariant: "node left down",
        detail: `${s.n.name} (${s.n.address}) was not killed by the schedule but ${[!s.ssh && "sshd", !s.redis && "Redis"].filter(Boolean).join(" and ")} did not answer for ${graceMs / 1000} s`,
      }));
    }
    await sleep(300);
  }
}

function confPath(dir, name) {
  return join(dir, "nodes", name, "etc-redis", "redis.conf");
}

/**
 * Invariant 3: one master, every other node its replica with the link up and no sync running,
 * the master lists each one online, a canary is acknowledged by every replica and read on each,
 * every node holds as many keys, and each redis.conf says the role the node runs (no
 * `replicaof` on the primary, the primary's address on the replicas), with no restart owed and
 * no line of the bad setting. Returns { violations, primary }.
 */
export async function converged(nodes, password, dir, tag) {
  const v = (detail, evidence) => ({ invariant: "not converged after heal + setup", detail, ...(evidence ? { evidence } : {}) });
  const seen = await replicationOf(nodes, password);
  const roles = rolesLine(seen);
  const down = seen.filter((n) => !n.up);
  if (down.length) return { violations: [v(`${down.map((n) => n.name).join(", ")} ${down.length > 1 ? "do" : "does"} not answer`, { roles })] };
  const masters = seen.filter((n) => n.info.role === "master");
  if (masters.length !== 1) return { violations: [v(`${masters.length} masters`, { roles })] };
  const p = masters[0];
  const out = [];
  for (const n of seen.filter((x) => x !== p)) {
    const i = n.info;
    if (i.master_host !== p.address || i.master_link_status !== "up" || i.master_sync_in_progress !== "0") {
      out.push(v(`${n.name} is not an in-sync replica of ${p.name}`, { roles }));
    }
    const listed = Object.entries(p.info).some(([k, val]) => /^slave\d+$/.test(k) && val.includes(`ip=${n.address},`) && val.includes("state=online"));
    if (!listed) out.push(v(`${p.name} does not list ${n.name} online`, { roles, primary: p.raw }));
  }
  if (out.length === 0) {
    const c = client(p.address, password);
    try {
      await c.connect();
      const canary = `${tag}:${Date.now()}`;
      await c.set(`${PREFIX}canary`, canary);
      const acks = Number(await c.call("WAIT", String(nodes.length - 1), "5000"));
      if (acks < nodes.length - 1) out.push(v(`canary acknowledged by ${acks}/${nodes.length - 1} replicas`, { roles }));
      for (const n of seen.filter((x) => x !== p)) {
        const got = await call(n.address, password, "GET", `${PREFIX}canary`);
        if (!got.ok || got.reply !== canary) out.push(v(`${n.name} does not serve the canary written on ${p.name}`, { got }));
      }
      const sizes = await Promise.all(nodes.map(async (n) => [n.name, (await call(n.address, password, "DBSIZE")).reply]));
      if (new Set(sizes.map(([, s]) => s)).size !== 1) out.push(v("nodes hold different numbers of keys", { sizes: Object.fromEntries(sizes) }));
    } catch (e) {
      out.push(v(`canary on ${p.name} failed: ${e.message}`, { roles }));
    } finally {
      c.disconnect();
    }
  }
  for (const n of nodes) {
    const text = await readFile(confPath(dir, n.name), "utf8").catch((e) => `unreadable: ${e.message}`);
    const replicaof = /^replicaof\s+(\S+)\s+(\d+)/m.exec(text);
    if (n.name === p.name && replicaof) out.push(v(`${n.name} is the primary but its redis.conf says replicaof ${replicaof[1]}`));
    if (n.name !== p.name && replicaof?.[1] !== p.address) {
      out.push(v(`${n.name} replicates ${p.name} but its redis.conf says ${replicaof ? `replicaof ${replicaof[1]}` : "no replicaof"}`));
    }
    if (text.includes("redplay-chaos-bad.log")) out.push(v(`${n.name}'s redis.conf still holds the bad setting`));
    if (existsSync(`${confPath(dir, n.name)}.restart-pending`)) out.push(v(`${n.name} still owes a restart (redis.conf.restart-pending)`));
  }
  return { violations: out, primary: p.name };
}

/** Whether a redis.conf holds the bad setting's line now. */
export async function badSettingOnDisk(nodes, dir) {
  const out = [];
  for (const n of nodes) {
    const text = await readFile(confPath(dir, n.name), "utf8").catch(() => "");
    if (text.includes("redplay-chaos-bad.log")) out.push(n.name);
  }
  return out;
}

/**
 * Promotions seen in a role timeline ([{t, roles: {name: "master"|"replica"|"down"}}]): a node
 * seen as a replica and then as a master. A node back from the dead as a master is not promoted;
 * the masters of the first observation count as promoted at its time.
 */
export function promotions(timeline) {
  const out = [];
  const last = {};
  [...timeline].sort((a, b) => a.t - b.t).forEach((obs, i) => {
    for (const [name, role] of Object.entries(obs.roles)) {
      if (role === "down") continue;
      if (role === "master" && (i === 0 || last[name] === "replica")) out.push({ t: obs.t, node: name });
      last[name] = role;
    }
  });
  return out;
}

/**
 * Which acknowledged keys the README allows to be gone: for each node a setup run named as a
 * demoted primary, the keys it acknowledged after the failover that replaced it (the first
 * promotion of another node after it last became a primary) and before that setup ended.
 * Returns [{node, from, to, keys}].
 */
export function allowedDiscards(acked, timeline, setupRuns) {
  const proms = promotions(timeline);
  const out = [];
  for (const s of setupRuns) {
    for (const d of s.discarded) {
      const own = proms.filter((p) => p.node === d && p.t <= s.t1).at(-1);
      const since = own ? own.t : -Infinity;
      const replaced = proms.find((p) => p.node !== d && p.t > since && p.t <= s.t1);
      if (!replaced) {
        out.push({ node: d, from: null, to: s.t1, keys: [], note: `no promotion of another node seen after ${d} became primary` });
        continue;
      }
      const keys = acked.filter((a) => a.node === d && a.t >= replaced.t && a.t <= s.t1).map((a) => a.key);
      out.push({ node: d, from: replaced.t, to: s.t1, replacedBy: replaced.node, keys });
    }
  }
  return out;
}

/** Invariant 2: acknowledged keys missing (or changed) on the final primary, minus the allowed ones. */
export async function lostWrites(acked, primary, password, allowed) {
  const allowedKeys = new Set(allowed.flatMap((a) => a.keys));
  const c = client(primary.address, password, { commandTimeout: 10_000 });
  const lost = [];
  let excused = 0;
  try {
    await c.connect();
    for (let i = 0; i < acked.length; i += 500) {
      const batch = acked.slice(i, i + 500);
      const values = await c.mget(...batch.map((a) => a.key));
      batch.forEach((a, j) => {
        if (values[j] === a.value) return;
        if (allowedKeys.has(a.key)) excused++;
        else lost.push({ ...a, found: values[j] });
      });
    }
  } finally {
    c.disconnect();
  }
  return { lost, excused };
}
