// Schema issues -> LoadErrors pointing at the YAML node they are about, with did-you-mean
// hints for unknown keys. Shared by the playbook, inventory and vars loaders.
import { suggest } from "../modules/registry.js";
import { LoadError } from "../errors.js";
import type { SchemaIssue } from "../schema/issues.js";
import { formatPath, locate, type PathSegment, type YamlSource } from "./yaml.js";

/** How to word issues for one kind of document. */
export interface IssueWording {
  /** Logical name of the document root in paths (`plays`, `inventory`, ``). */
  root: string;
  /** Names the kind of key an unknown key was, from where it sits (`play keyword`, `task keyword`). */
  unknownNoun?: (path: PathSegment[]) => string;
  /** Extra hints for particular unknown keys (`roles` -> not supported). */
  unknownHint?: (key: string, path: PathSegment[]) => string | undefined;
}

/** A did-you-mean hint, or undefined when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const best = suggest(name, [...candidates]);
  return best ? `did you mean "${best}"?` : undefined;
}

/** One LoadError for an issue found at `base` (the path of the validated value in the document). */
export function issueToError(src: YamlSource, base: PathSegment[], issue: SchemaIssue, wording: IssueWording): LoadError {
  const path = [...base, ...issue.path];
  if (issue.kind === "unknown" && issue.key !== undefined) {
    const keyPath = [...path, issue.key];
    const noun = wording.unknownNoun?.(path) ?? "key";
    const message = issue.message.startsWith("unknown key") ? `unknown ${noun} "${issue.key}"` : issue.message;
    const hint = wording.unknownHint?.(issue.key, path) ?? didYouMean(issue.key, issue.allowedKeys ?? []);
    return new LoadError(message, locate(src, keyPath, { onKey: true, root: wording.root }), hint);
  }
  if (issue.kind === "badName" && issue.key !== undefined) {
    const loc = locate(src, [...path, issue.key], { onKey: true, root: wording.root });
    return new LoadError(issue.message, loc, "use letters, digits and underscores, not starting with a digit");
  }
  const loc = locate(src, path, { root: wording.root });
  if (issue.kind === "missing") return new LoadError(issue.message, loc);
  const where = formatPath(path, wording.root) || "the document";
  return new LoadError(`${where} ${issue.message}`, loc);
}

/** Errors in reading order, so a user fixes them top to bottom. */
export function sortErrors(errors: LoadError[]): LoadError[] {
  return [...errors].sort(
    (a, b) =>
      (a.loc?.file ?? "").localeCompare(b.loc?.file ?? "") ||
      (a.loc?.line ?? 0) - (b.loc?.line ?? 0) ||
      (a.loc?.col ?? 0) - (b.loc?.col ?? 0),
  );
}
