// Variables in inventories and vars files are rendered as Handlebars where a task reads them, so a
// Jinja2 construct in one (`{{ base_port | int }}`, `{% if %}`) would only fail at run time, on the
// host that reads it. `redplay validate` and every run refuse it where it is written instead,
// with the Handlebars that does the same when there is one.
import { isMap, isPair, isScalar, isSeq } from "yaml";
import { LoadError, type Location } from "../errors.js";
import { findJinja, mayBeTemplate } from "../template/jinja-detect.js";
import { jinjaText } from "../template/template-error.js";
import { formatPath, nodeAt, type PathSegment, type YamlSource } from "./yaml.js";

/** Errors for one string value written at `where()` (asked only when there is one): each Jinja2 construct in it. */
export function jinjaStringErrors(value: string, where: () => Location): LoadError[] {
  if (!mayBeTemplate(value)) return [];
  const findings = findJinja(value);
  if (findings.length === 0) return [];
  const loc = where();
  return findings.map((f) => {
    const { message, hint } = jinjaText(f);
    return new LoadError(f.line > 1 ? `${message} (line ${f.line} of the value)` : message, loc, hint);
  });
}

/** Errors for Jinja2 in any string value (keys are names, never rendered) below `path`. */
export function jinjaValueErrors(src: YamlSource, path: PathSegment[] = [], root = ""): LoadError[] {
  const errors: LoadError[] = [];
  const at: PathSegment[] = [...path];
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        at.push(String(pair.key.value));
        visit(pair.value);
        at.pop();
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        at.push(i);
        visit(item);
        at.pop();
      });
    } else if (isScalar(node) && typeof node.value === "string") {
      errors.push(
        ...jinjaStringErrors(node.value, () => {
          const { line, col } = src.lineCounter.linePos(node.range?.[0] ?? 0);
          return { file: src.file, line, col, path: formatPath(at, root) };
        }),
      );
    }
  };
  const start = nodeAt(src, path);
  if (start.complete) visit(start.node);
  return errors;
}
