import { describe, expect, it } from "vitest";
import { LoadErrors } from "../../src/errors.js";
import { formatPath, locate, parseYaml } from "../../src/load/yaml.js";

function syntaxErrors(text: string): string[] {
  try {
    parseYaml(text, "play.yaml");
  } catch (err) {
    if (err instanceof LoadErrors) return err.errors.map((e) => `${e.loc?.line}:${e.loc?.col} ${e.format().replace(/^play\.yaml:\d+:\d+: /, "")}`);
    throw err;
  }
  return [];
}

describe("YAML syntax errors are located", () => {
  it.each([
    [
      "duplicate keys, each reported",
      "- hosts: all\n  tasks: []\n  hosts: web\n  tasks: []\n",
      [
        "3:3 invalid YAML: Map keys must be unique; each key may appear once in a mapping; remove or rename one",
        "4:3 invalid YAML: Map keys must be unique; each key may appear once in a mapping; remove or rename one",
      ],
    ],
    [
      "sequence item at the wrong indent",
      "- hosts: all\n  tasks:\n    - name: x\n   - name: y\n",
      ["4:1 invalid YAML: A block sequence may not be used as an implicit map key"],
    ],
    [
      "unclosed flow sequence",
      "- hosts: all\n  tags: [a, b\n",
      ["3:1 invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]; check the indentation and quoting on this line"],
    ],
    ["tab indentation", "a:\n\tb: 1\n", ["2:1 invalid YAML: Tabs are not allowed as indentation; indent with spaces, not tabs"]],
  ])("%s", (_name, text, expected) => {
    expect(syntaxErrors(text)).toEqual(expected);
  });

  it("a valid document raises nothing", () => {
    expect(syntaxErrors("- hosts: all\n  tasks: []\n")).toEqual([]);
  });
});

describe("node locations", () => {
  const src = parseYaml("- hosts: all\n  tasks:\n    - name: a\n      template:\n        dest: /x\n", "p.yaml");

  it("finds a nested value at its 1-based line and column", () => {
    const loc = locate(src, [0, "tasks", 0, "template", "dest"], { root: "plays" });
    expect({ file: loc.file, line: loc.line, col: loc.col, path: loc.path }).toEqual({
      file: "p.yaml",
      line: 5,
      col: 15,
      path: "plays[0].tasks[0].template.dest",
    });
    // JSON output shows a location worked out on demand as a plain one.
    expect(JSON.parse(JSON.stringify(loc))).toEqual({ file: "p.yaml", line: 5, col: 15, path: "plays[0].tasks[0].template.dest" });
  });

  it("points at the key itself when asked", () => {
    const loc = locate(src, [0, "tasks", 0, "template"], { onKey: true });
    expect([loc.line, loc.col]).toEqual([4, 7]);
  });

  it("falls back to the deepest existing node for a missing path", () => {
    const loc = locate(src, [0, "tasks", 0, "nope", "deeper"]);
    expect([loc.line, loc.col]).toEqual([3, 7]);
  });

  it("formats logical paths with indices and quoted odd keys", () => {
    expect(formatPath([0, "tasks", 3, "template", "dest"], "plays")).toBe("plays[0].tasks[3].template.dest");
    expect(formatPath(["all", "hosts", "node-1"])).toBe("all.hosts.node-1");
    expect(formatPath(["vars", "a b"])).toBe('vars["a b"]');
  });
});

describe("scalars follow Ansible's habits", () => {
  it.each([
    ["yes", true],
    ["no", false],
    ["on", true],
    ["off", false],
    ["true", true],
    ["y", "y"],
    ["n", "n"],
    ["0644", 0o644],
    ["0o755", 0o755],
    ["6379", 6379],
    ["2024-01-01", "2024-01-01"],
    ["10:30", "10:30"],
    ["~", null],
  ])("%s", (text, expected) => {
    expect(parseYaml(`v: ${text}\n`, "x.yaml").value).toEqual({ v: expected });
  });
});
