// The JSON reporter (`--json`): one JSON object per line for every run event, for machines and CI.
// Everything passes through Secrets.redactDeep before serialisation. Field names are a public
// contract, documented here:
//
//   every line          event         "playbook_start" | "play_start" | "task_start" | "host_result"
//                                     | "task_end" | "task_waiting" | "warning" | "handlers_owed"
//                                     | "recap"
//   playbook_start      file, check (bool), diff (bool)
//   play_start          play (name), pattern, hosts (string[])
//   task_start          task (name), module, handler (bool), loc ({file, line, col, path?})
//   host_result         task, host, status ("ok"|"changed"|"skipped"|"failed"|"unreachable"),
//                       changed (bool), failed (bool: failed or unreachable), ignored (bool),
//                       duration_ms, and when present: expected (true: unreachable as the play
//                       expected, a failover's dead primary; failed is then false), msg, item, changes (string[]),
//                       diff ([{path, before, after, patch}]: before/after null when the file is
//                       absent; patch is the unified diff, masked after diffing), data ({...})
//                       no_log results carry only the status fields plus censored (the notice)
//   task_end            task, duration_ms
//   task_waiting        task, hosts (string[] not yet answered), elapsed_ms
//   warning             msg, host (when about one host)
//   handlers_owed       host, handlers (string[] notified but not run)
//   recap (always last) hosts ({host: {ok, changed, unreachable, failed, skipped, rescued,
//                       ignored}}), owed_handlers ({host: string[]}), duration_ms
import type { HostResult, Reporter, RunEvent } from "../engine/events.js";
import { renderDiff } from "./diff.js";
import { NO_LOG_NOTICE } from "./format.js";
import type { Secrets } from "./redact.js";

/** Options of the JSON reporter. */
export interface JsonReporterOptions {
  secrets: Secrets;
}

/** One serialised line, before redaction. */
type JsonRecord = { event: RunEvent["type"] } & Record<string, unknown>;

/** Writes one redacted JSON object per event, one per line. */
export class JsonReporter implements Reporter {
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly opts: JsonReporterOptions,
  ) {}

  onEvent(event: RunEvent): void {
    const record = this.toRecord(event);
    this.out.write(`${JSON.stringify(this.opts.secrets.redactDeep(record))}\n`);
  }

  close(): void {
    // Every line is written whole as its event arrives: nothing is buffered or live.
  }

  private toRecord(event: RunEvent): JsonRecord {
    switch (event.type) {
      case "playbook_start":
        return { event: event.type, file: event.file, check: event.check, diff: event.diff };
      case "play_start":
        return { event: event.type, play: event.name, pattern: event.pattern, hosts: event.hosts };
      case "task_start":
        return { event: event.type, task: event.name, module: event.module, handler: event.handler, loc: event.loc };
      case "host_result":
        return this.hostResult(event.task, event.result);
      case "task_end":
        return { event: event.type, task: event.task, duration_ms: event.durationMs };
      case "task_waiting":
        return { event: event.type, task: event.task, hosts: event.hosts, elapsed_ms: event.elapsedMs };
      case "warning":
        return event.host === undefined
          ? { event: event.type, msg: event.msg }
          : { event: event.type, msg: event.msg, host: event.host };
      case "handlers_owed":
        return { event: event.type, host: event.host, handlers: event.handlers };
      case "recap":
        return {
          event: event.type,
          hosts: event.hosts,
          owed_handlers: event.owedHandlers,
          duration_ms: event.durationMs,
        };
    }
  }

  private hostResult(task: string, r: HostResult): JsonRecord {
    const record: JsonRecord = {
      event: "host_result",
      task,
      host: r.host,
      status: r.status,
      changed: r.status === "changed",
      failed: r.status === "failed" || (r.status === "unreachable" && !r.expected),
      ignored: r.ignored === true,
      duration_ms: r.durationMs,
    };
    if (r.noLog) return { ...record, censored: NO_LOG_NOTICE };
    if (r.expected) record.expected = true;
    if (r.msg !== undefined) record.msg = r.msg;
    if (r.item !== undefined) record.item = r.item;
    if (r.changes !== undefined) record.changes = r.changes;
    if (r.diff !== undefined) {
      const redact = (text: string) => this.opts.secrets.redact(text);
      record.diff = r.diff.map((d) => ({
        path: d.path,
        before: d.before,
        after: d.after,
        patch: renderDiff(d, { color: false, redact }),
      }));
    }
    if (r.data !== undefined) record.data = r.data;
    return record;
  }
}
