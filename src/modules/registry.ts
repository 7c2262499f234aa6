// Module name -> Module. Modules register themselves from src/modules/index.ts.
import { closest, distance } from "fastest-levenshtein";
import type { AnyModule } from "./types.js";

const modules = new Map<string, AnyModule>();

export function registerModule(mod: AnyModule): void {
  modules.set(mod.name, mod);
}

export function getModule(name: string): AnyModule | undefined {
  return modules.get(name);
}

export function moduleNames(): string[] {
  return [...modules.keys()].sort();
}

/** "did you mean" for an unknown name, when one is close enough. */
export function suggest(name: string, candidates: string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(name, candidates);
  const maxDistance = Math.max(2, Math.floor(name.length / 3));
  return distance(name, best) <= maxDistance ? best : undefined;
}

