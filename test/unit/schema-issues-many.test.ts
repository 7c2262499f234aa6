// The same schema mistake repeated in many places is reported at each place, and simplifying the
// schema errors stays linear in their number: an anyOf's branches are looked for under its own
// value only. Counted, not timed: how many schema paths are compared.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoadErrors } from "../../src/errors.js";
import { loadPlaybook } from "../../src/load/playbook.js";
import { registerBuiltinModules } from "../../src/modules/index.js";
import { toIssues } from "../../src/schema/issues.js";
import { playValidator } from "../../src/schema/playbook.js";

let dir: string;

beforeAll(() => {
  registerBuiltinModules();
  dir = mkdtempSync(path.join(os.tmpdir(), "redplay-schema-issues-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `n` tasks (5 lines each, from line 3), every one with `tags: 5` (a number) and `when: {a: 1}` (a mapping). */
const tasks = (n: number) =>
  Array.from({ length: n }, (_, i) => `    - debug:\n        msg: t${i}\n      tags: 5\n      when: { a: 1 }\n      register: r${i}\n`).join("");
const playbook = (n: number) => `- hosts: all\n  tasks:\n${tasks(n)}`;

describe("a schema mistake repeated over many tasks", () => {
  it("is reported at every task, not only the last", async () => {
    const file = path.join(dir, "pb.yaml");
    writeFileSync(file, playbook(3));
    const err = await loadPlaybook(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadErrors);
    expect((err as LoadErrors).errors.map((e) => `${e.loc?.line}:${e.loc?.col} ${e.message}`)).toEqual([
      "5:13 plays[0].tasks[0].tags must be string or list",
      "6:13 plays[0].tasks[0].when must be string or boolean or list",
      "10:13 plays[0].tasks[1].tags must be string or list",
      "11:13 plays[0].tasks[1].when must be string or boolean or list",
      "15:13 plays[0].tasks[2].tags must be string or list",
      "16:13 plays[0].tasks[2].when must be string or boolean or list",
    ]);
  });

  it("is simplified with a number of schema path comparisons linear in the errors", () => {
    for (const n of [200, 800]) {
      // One play, as the loader validates each entry of a playbook.
      const validate = playValidator();
      expect(validate(JSON.parse(JSON.stringify(playValue(n))))).toBe(false);
      const errors = validate.errors!;
      let compared = 0;
      const startsWith = String.prototype.startsWith;
      String.prototype.startsWith = function (this: string, ...args: Parameters<string["startsWith"]>) {
        compared++;
        return startsWith.apply(this, args);
      };
      let issues;
      try {
        issues = toIssues(errors);
      } finally {
        String.prototype.startsWith = startsWith;
      }
      // Before: every anyOf compared its schema path with every error of the playbook (n * n).
      expect(compared).toBeLessThanOrEqual(10 * errors.length);
      expect(issues).toHaveLength(2 * n);
    }
  });
});

function playValue(n: number): unknown {
  return {
    hosts: "all",
    tasks: Array.from({ length: n }, (_, i) => ({ debug: { msg: `t${i}` }, tags: 5, when: { a: 1 }, register: `r${i}` })),
  };
}
