// `redplay lab ...`: argv for the local lab, and its human output. The lab logic lives in
// src/lab/; this file only parses options, prints, and turns a failure into one line and
// exit code 1. The lab itself (and zx with it) is imported only when a lab command runs.
import { InvalidArgumentError, type Command } from "commander";
import { MAX_NODES } from "../lab/paths.js";
import type { LabServer, LabStatusRow, LabSuite } from "../lab/lab.js";

const loadLab = () => import("../lab/lab.js");

interface DirOpt {
  dir?: string;
}

function formatTable(rows: LabStatusRow[]): string {
  const header = ["NODE", "ADDRESS", "SSHD", "REDIS", "ROLE"];
  const cells = [header, ...rows.map((r) => [r.node, r.address, r.sshd, r.redis, r.role])];
  const widths = header.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** Runs a lab action; a failure becomes one line on stderr and exit code 1. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  };
}

function parseNodes(value: string): number {
  const n = Number(value);
  // The range is checked by the lab itself so the message is the same for API and CLI callers;
  // text that is no whole number at all is refused here, with what was typed.
  if (value.trim() === "" || !Number.isInteger(n)) throw new InvalidArgumentError(`--nodes must be a whole number from 1 to ${MAX_NODES}, got ${value}`);
  return n;
}

export function registerLabCommand(program: Command): void {
  const lab = program
    .command("lab")
    .description("a local lab of real hosts on this machine: sshd + redis-server per node on 127.0.0.x (root, Linux); --os boots systemd hosts");
  const dirOption = ["--dir <dir>", "lab directory", ".lab"] as const;

  lab
    .command("up")
    .description("create and start a fresh lab (empty data dirs)")
    .option("--nodes <n>", "number of nodes (1-50)", parseNodes, 3)
    .option("--base <addr>", "address of node-1; node-K gets base+K-1", "127.0.0.11")
    .option("--os <release>", "boot each node as a Debian host with systemd: bullseye, bookworm or trixie")
    .option("--server <what>", "with --os: redis, valkey (trixie), none, or an upstream build such as redis-6.2.16")
    .option(...dirOption)
    .action(
      action(async (opts: DirOpt & { nodes: number; base: string; os?: LabSuite; server?: LabServer }) => {
        const r = await (await loadLab()).labUp({ ...opts, log: (line) => console.log(line) });
        if (r.alreadyUp) {
          console.log(`lab already up in ${r.paths.dir}`);
          return;
        }
        const first = r.state.nodes[0]!;
        const last = r.state.nodes[r.state.nodes.length - 1]!;
        console.log(`lab up: ${r.state.nodes.length} nodes, ${first.name} ${first.address} .. ${last.name} ${last.address}`);
        console.log(`inventory:   ${r.paths.inventory}`);
        console.log(`ssh:         ssh -i ${r.paths.key} -o UserKnownHostsFile=${r.paths.knownHosts} root@${first.address}`);
      }),
    );

  lab
    .command("down")
    .description("stop every process of the lab and remove its nodes")
    .option(...dirOption)
    .action(
      action(async (opts: DirOpt) => {
        console.log((await (await loadLab()).labDown(opts)) ? "lab down" : `no lab in ${opts.dir ?? ".lab"}`);
      }),
    );

  lab
    .command("status")
    .description("show each node's sshd, redis and replication role")
    .option(...dirOption)
    .action(
      action(async (opts: DirOpt) => {
        console.log(formatTable(await (await loadLab()).labStatus(opts)));
      }),
    );

  lab
    .command("kill")
    .argument("<node>", "node name, e.g. node-2")
    .description("crash a node: SIGKILL every process of it, data left as is")
    .option(...dirOption)
    .action(
      action(async (node: string, opts: DirOpt) => {
        await (await loadLab()).labKill(node, opts);
        console.log(`${node} killed`);
      }),
    );

  lab
    .command("start")
    .argument("<node>", "node name, e.g. node-2")
    .description("start a killed node again on its existing data")
    .option(...dirOption)
    .action(
      action(async (node: string, opts: DirOpt) => {
        console.log((await (await loadLab()).labStart(node, opts)) ? `${node} started` : `${node} already running`);
      }),
    );
}
