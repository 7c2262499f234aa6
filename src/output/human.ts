// The human reporter: ansible-like text for a terminal or a log file. Every string it prints passes
// through Secrets.redact first, and colour is added only after redaction, so an escape code can
// never split a secret (or a `requirepass` line) and let it slip past the mask.
import { stringify } from "yaml";
import type { HostCounts, HostResult, Reporter, RunEvent } from "../engine/events.js";
import type { Location } from "../errors.js";
import { formatLocation } from "../errors.js";
import { painter, type ColorName, type Painter } from "./color.js";
import { renderDiff } from "./diff.js";
import { formatDuration, formatItem, NO_LOG_NOTICE } from "./format.js";
import { renderOwedHandlerLine, renderRecapLines } from "./recap.js";
import type { Secrets } from "./redact.js";

export { shouldUseColor } from "./color.js";

/** Options of the human reporter. */
export interface HumanReporterOptions {
  color: boolean;
  /** 0: results; 1 (-v): reasons, messages, durations; 2 (-vv): registered data, task paths. */
  verbosity: 0 | 1 | 2;
  /** Show file diffs (--diff). */
  diff: boolean;
  secrets: Secrets;
  /** Draw the live "waiting for" line. @default the stream's own isTTY */
  isTTY?: boolean;
}

/** Headers are padded with stars to this width, as ansible does for an 80-column terminal. */
const HEADER_WIDTH = 80;
/** Hosts named in the waiting line before it says "and N more". */
const WAITING_HOSTS_SHOWN = 5;
const CLEAR_LINE = "\r\x1b[K";

interface CurrentTask {
  name: string;
  module: string;
  handler: boolean;
  loc: Location;
}

const STATUS_COLOUR: Record<HostResult["status"], ColorName> = {
  ok: "green",
  changed: "yellow",
  skipped: "cyan",
  failed: "red",
  unreachable: "red",
};

/** Renders run events as ansible-style text. */
export class HumanReporter implements Reporter {
  private readonly paint: Painter;
  private readonly isTTY: boolean;
  private check = false;
  private task: CurrentTask | null = null;
  private liveLine = false;
  private readonly owed = new Map<string, string[]>();
  /** Why a host stopped (for the owed-handlers line). */
  private readonly hostTrouble = new Map<string, "failed" | "unreachable">();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly opts: HumanReporterOptions,
  ) {
    this.paint = painter(opts.color);
    this.isTTY = opts.isTTY ?? (out as { isTTY?: boolean }).isTTY === true;
  }

  onEvent(event: RunEvent): void {
    switch (event.type) {
      case "playbook_start":
        this.check = event.check;
        if (this.opts.verbosity >= 1) {
          this.print(`PLAYBOOK: ${event.file}${event.check ? " (check mode: nothing will be changed)" : ""}`);
        }
        return;
      case "play_start":
        this.header(`PLAY [${event.name}]`);
        if (event.hosts.length === 0) this.print("skipping: no hosts matched", "cyan");
        return;
      case "task_start":
        this.task = { name: event.name, module: event.module, handler: event.handler, loc: event.loc };
        this.header(`${event.handler ? "RUNNING HANDLER" : "TASK"} [${event.name}]`);
        if (this.opts.verbosity >= 2) this.print(`task path: ${formatLocation(event.loc)}`, "dim");
        return;
      case "host_result":
        this.hostResult(event.result);
        return;
      case "task_end":
        if (this.opts.verbosity >= 1) this.print(`task duration: ${formatDuration(event.durationMs)}`, "dim");
        return;
      case "task_waiting":
        this.waiting(event.hosts, event.elapsedMs);
        return;
      case "warning":
        this.print(`[WARNING]: ${event.host ? `${event.host}: ` : ""}${event.msg}`, "magenta");
        return;
      case "handlers_owed":
        this.addOwed(event.host, event.handlers);
        return;
      case "recap":
        for (const [host, handlers] of Object.entries(event.owedHandlers)) this.addOwed(host, handlers);
        this.recap(event.hosts, event.durationMs);
        return;
    }
  }

  close(): void {
    this.clearLive();
  }

  private hostResult(r: HostResult): void {
    if (r.status === "failed" || r.status === "unreachable") {
      if (!r.ignored && !r.expected) this.hostTrouble.set(r.host, r.status);
    }
    const colour = r.expected ? "yellow" : STATUS_COLOUR[r.status];
    const item = r.item !== undefined && !r.noLog ? `(item=${formatItem(r.item, this.opts.secrets)})` : "";
    const head = this.statusHead(r, item);
    if (r.noLog) {
      this.print(`${head} => ${NO_LOG_NOTICE}`, colour);
      if (r.ignored) this.print("...ignoring", "cyan");
      return;
    }
    // Redacted on its own first: a message that is itself a config line (`requirepass x`) is
    // only recognisable as one at the start of a line.
    const raw = this.shownMessage(r);
    const msg = raw ? this.opts.secrets.redact(raw) : undefined;
    this.print(msg ? `${head} => ${this.indentTail(msg)}` : head, colour);
    if (r.ignored) this.print("...ignoring", "cyan");
    if (r.status === "changed" && r.changes && (this.check || this.opts.verbosity >= 1)) {
      const verb = this.check ? "would" : "done";
      for (const change of r.changes) this.print(`    ${verb}: ${change}`, "yellow");
    }
    if (this.opts.diff && r.diff) this.diffs(r);
    if (this.opts.verbosity >= 2 && r.data && Object.keys(r.data).length > 0) this.data(r.data);
  }

  /** The status part of a result line, without the message. */
  private statusHead(r: HostResult, item: string): string {
    const host = `[${r.host}]`;
    switch (r.status) {
      case "ok":
        return item ? `ok: ${host} => ${item}` : `ok: ${host}`;
      case "changed":
        return item ? `changed: ${host} => ${item}` : `changed: ${host}`;
      case "skipped":
        return item ? `skipping: ${host} => ${item}` : `skipping: ${host}`;
      case "failed":
        return item ? `failed: ${host} ${item}` : `fatal: ${host}: FAILED!`;
      case "unreachable":
        if (r.expected) return `unreachable: ${host} (expected)`;
        return item ? `fatal: ${host} ${item}: UNREACHABLE!` : `fatal: ${host}: UNREACHABLE!`;
    }
  }

  /** Failures always say why; debug output is the point of a debug task; the rest waits for -v. */
  private shownMessage(r: HostResult): string | undefined {
    if (!r.msg) return undefined;
    if (r.status === "failed" || r.status === "unreachable") return r.msg;
    if (r.status === "ok" && this.task?.module === "debug") return r.msg;
    return this.opts.verbosity >= 1 ? r.msg : undefined;
  }

  private diffs(r: HostResult): void {
    const redact = (text: string) => this.opts.secrets.redact(text);
    for (const d of r.diff ?? []) {
      const text = renderDiff(d, { color: this.opts.color, redact });
      if (text) this.writeLine(text);
    }
  }

  private data(data: Record<string, unknown>): void {
    const safe = this.opts.secrets.redactDeep(data);
    const text = stringify(safe, { lineWidth: 0 }).replace(/\n+$/, "");
    this.print(text.split("\n").map((l) => `    ${l}`).join("\n"), "dim");
  }

  private waiting(hosts: string[], elapsedMs: number): void {
    if (!this.isTTY || hosts.length === 0) return;
    const shown = hosts.slice(0, WAITING_HOSTS_SHOWN).join(", ");
    const more = hosts.length > WAITING_HOSTS_SHOWN ? ` and ${hosts.length - WAITING_HOSTS_SHOWN} more` : "";
    const text = `  ... waiting for ${shown}${more} (${Math.round(elapsedMs / 1000)}s)`;
    this.out.write(CLEAR_LINE + this.paint("dim", this.opts.secrets.redact(text)));
    this.liveLine = true;
  }

  private recap(hosts: Record<string, HostCounts>, durationMs: number): void {
    this.header("PLAY RECAP");
    const redact = (text: string) => this.opts.secrets.redact(text);
    const safeHosts = Object.fromEntries(Object.entries(hosts).map(([h, c]) => [redact(h), c]));
    for (const line of renderRecapLines(safeHosts, this.paint)) this.writeLine(line);
    if (this.owed.size > 0) {
      this.writeLine("");
      for (const [host, handlers] of this.owed) {
        const reason = this.hostTrouble.get(host) === "unreachable" ? "host unreachable" : "host failed";
        this.print(renderOwedHandlerLine(host, handlers, reason), "red");
      }
    }
    if (this.opts.verbosity >= 1) this.print(`run took ${formatDuration(durationMs)}`, "dim");
  }

  private addOwed(host: string, handlers: string[]): void {
    const list = this.owed.get(host) ?? [];
    for (const h of handlers) if (!list.includes(h)) list.push(h);
    if (list.length > 0) this.owed.set(host, list);
  }

  private header(title: string): void {
    const stars = "*".repeat(Math.max(3, HEADER_WIDTH - 1 - title.length));
    this.writeLine("");
    this.print(`${title} ${stars}`);
  }

  /** Continuation lines of a multi-line message, indented under the result line. */
  private indentTail(msg: string): string {
    return msg.replace(/\r?\n/g, "\n    ");
  }

  /** Redacts, then colours, then writes one (possibly multi-line) entry. */
  private print(text: string, colour?: ColorName): void {
    const safe = this.opts.secrets.redact(text);
    this.writeLine(colour ? safe.split("\n").map((l) => this.paint(colour, l)).join("\n") : safe);
  }

  /** Writes text that is already redacted (and maybe coloured), clearing the live line first. */
  private writeLine(text: string): void {
    this.clearLive();
    this.out.write(`${text}\n`);
  }

  private clearLive(): void {
    if (!this.liveLine) return;
    this.out.write(CLEAR_LINE);
    this.liveLine = false;
  }
}
