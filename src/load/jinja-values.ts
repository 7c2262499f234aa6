// Variables in inventories and vars files are rendered as Handlebars where a task reads them, so a
// Jinja2 construct in one (`{{ base_port | int }}`, `{% if %}`) would only fail at run time, on the
// host that reads it. `redplay validate` and every run refuse it where it is written instead,
// with the Handlebars that does the same when there is one.
import { LoadError, type Location } from "../errors.js";
import { findJinja, mayBeTemplate } from "../template/jinja-detect.js";
import { jinjaText } from "../template/template-error.js";
import { secretKeyBelow, secretKindError } from "./secret-values.js";
import { formatPath, visitScalars, type PathSegment, type YamlSource } from "./yaml.js";

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

/**
 * Errors for the values of variables below `path`, in one pass: Jinja2 in any string value (keys
 * are names, never rendered), and numbers or booleans stored under secret-looking keys.
 */
export function varValueErrors(src: YamlSource, path: PathSegment[] = [], root = ""): LoadError[] {
  const errors: LoadError[] = [];
  visitScalars(src, path, undefined, secretKeyBelow, (value, secretKey, at, where) => {
    const secret = secretKindError(src, value, secretKey, at, where, root);
    if (secret) errors.push(secret);
    else if (typeof value === "string") errors.push(...jinjaStringErrors(value, () => ({ file: src.file, ...where(), path: formatPath(at, root) })));
  });
  return errors;
}
