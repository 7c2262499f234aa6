// Per-run caches (Redis clients, init-system probes) that modules share and the engine disposes.
import type { RunResources } from "../modules/types.js";

export class RunResourcePool implements RunResources {
  private readonly values = new Map<string, unknown>();
  private readonly disposers: Array<() => Promise<void> | void> = [];

  get<T>(key: string, create: () => T, dispose?: (value: T) => Promise<void> | void): T {
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = create();
    this.values.set(key, value);
    if (dispose) this.disposers.push(() => dispose(value));
    return value;
  }

  /** Disposes in reverse creation order; a failing disposer does not stop the others. */
  async dispose(): Promise<void> {
    for (const d of this.disposers.reverse()) {
      try {
        await d();
      } catch {
        // Closing a cache must never turn a finished run into a failure.
      }
    }
    this.disposers.length = 0;
    this.values.clear();
  }
}
