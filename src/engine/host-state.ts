// What the engine knows about each host during a run: counters for the recap, whether it has
// dropped out (failed, unreachable, ended), and the handlers it has been notified of.
import type { HostCounts } from "./events.js";

export function emptyCounts(): HostCounts {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

export class HostStates {
  readonly counts = new Map<string, HostCounts>();
  readonly failed = new Set<string>();
  readonly unreachable = new Set<string>();
  /** Unreachable as the play expected (a failover's dead primary): out of the play, not a failure. */
  readonly expectedDown = new Set<string>();
  /** `meta: end_host` / `end_play`: out of the current play only. */
  readonly ended = new Set<string>();
  /** Handler names owed per host, in notification order. */
  readonly notified = new Map<string, Set<string>>();
  readonly owed = new Map<string, string[]>();
  changedAny = false;

  countsOf(host: string): HostCounts {
    let c = this.counts.get(host);
    if (!c) {
      c = emptyCounts();
      this.counts.set(host, c);
    }
    return c;
  }

  isActive(host: string): boolean {
    return !this.failed.has(host) && !this.unreachable.has(host) && !this.ended.has(host);
  }

  notify(host: string, handler: string): void {
    let s = this.notified.get(host);
    if (!s) {
      s = new Set();
      this.notified.set(host, s);
    }
    s.add(handler);
  }
}
