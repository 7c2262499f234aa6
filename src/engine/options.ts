// What one run of a playbook is asked to do (the CLI fills it from argv).
import type { SshRunOptions } from "../connection/index.js";
import type { Reporter } from "./events.js";
import type { Secrets } from "../output/redact.js";

/** Options of one `redplay run`. */
export interface RunOptions {
  check: boolean;
  diff: boolean;
  /** `--limit` pattern, intersected with each play's hosts. */
  limit?: string;
  /** `-e` variables: the highest precedence. */
  extraVars: Record<string, unknown>;
  tags: string[];
  skipTags: string[];
  /** Hosts worked on at once. @default 10 */
  forks: number;
  forceHandlers: boolean;
  ssh: SshRunOptions;
  reporter: Reporter;
  secrets: Secrets;
  /** Verbose log sink (-v / -vv). */
  log: (message: string, level: 1 | 2) => void;
  /** Aborted (Ctrl-C): no new task starts; the run ends after the tasks in flight. */
  signal?: AbortSignal;
  /** After this long a task reports which hosts it still waits for. @default 2000 */
  waitingAfterMs?: number;
  /** SSH user where neither the host (ansible_user) nor the play or task (remote_user) names one (-u, ansible.cfg). */
  remoteUser?: string;
  /** `--start-at-task`: tasks before the first whose name matches (a glob) are passed over; `reached` is set when it is found. */
  startAtTask?: { pattern: string; reached: boolean };
  /** `--step`: asked before each task; false skips it. */
  confirmTask?: (taskName: string) => Promise<boolean>;
  /**
   * The run opens its first hosts' connections at once but reports nothing and starts no task
   * until this settles; if it rejects, the run closes them and rejects with its error.
   */
  ready?: Promise<void>;
}
