// The shipped schemas in the editor users have: the real yaml-language-server (the server of
// VS Code's YAML extension), spoken to over LSP on stdio, as an editor does. It opens every
// shipped playbook and inventory (their modeline names ../schemas/...), a playbook of a project
// outside this repository that names the schema under node_modules/redplay, and one mapped by the
// `yaml.schemas` setting instead of a modeline; none may get a diagnostic. A file with real
// mistakes must get them, so a schema that silently failed to load cannot pass for a clean one.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";

const repo = resolve(".");
const project = mkdtempSync(join(tmpdir(), "redplay-editor-"));
const require = createRequire(import.meta.url);
const serverBin = join(dirname(require.resolve("yaml-language-server/package.json")), "bin", "yaml-language-server");

interface Diagnostic {
  message: string;
  range: { start: { line: number; character: number } };
}

let child: ChildProcess;
let conn: MessageConnection;
const published = new Map<string, Diagnostic[][]>();
const waiting = new Map<string, (d: Diagnostic[]) => void>();
const settings = {
  yaml: {
    validate: true,
    hover: false,
    completion: false,
    format: { enable: false },
    schemaStore: { enable: false },
    // The editor-wide mapping of the README, pointed at this checkout's files (the https $id needs a network).
    schemas: { [pathToFileURL(join(repo, "schemas/playbook.schema.json")).href]: ["mapped/*.yaml"] },
  },
};

beforeAll(async () => {
  // A project of a user: redplay installed under node_modules, a playbook naming its schema there.
  mkdirSync(join(project, "node_modules"), { recursive: true });
  symlinkSync(repo, join(project, "node_modules", "redplay"));
  mkdirSync(join(project, "mapped"));
  child = spawn(process.execPath, [serverBin, "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
  conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  conn.onNotification("textDocument/publishDiagnostics", (p: { uri: string; diagnostics: Diagnostic[] }) => {
    const all = published.get(p.uri) ?? [];
    all.push(p.diagnostics);
    published.set(p.uri, all);
    waiting.get(p.uri)?.(p.diagnostics);
  });
  conn.onRequest("workspace/configuration", (p: { items: Array<{ section?: string }> }) =>
    p.items.map((i) => (i.section === "yaml" ? settings.yaml : i.section?.startsWith("yaml.") ? undefined : null)),
  );
  conn.onRequest("client/registerCapability", () => null);
  conn.onRequest("window/workDoneProgress/create", () => null);
  conn.onNotification("window/logMessage", () => undefined);
  conn.listen();
  await conn.sendRequest("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(project).href,
    workspaceFolders: [{ uri: pathToFileURL(project).href, name: "project" }],
    capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: {} } },
  });
  await conn.sendNotification("initialized", {});
  await conn.sendNotification("workspace/didChangeConfiguration", { settings });
}, 60_000);

afterAll(() => {
  conn?.dispose();
  child?.kill();
  rmSync(project, { recursive: true, force: true });
});

let version = 0;
/** Opens `file` (with `text`) as an editor would, and resolves to the diagnostics the server publishes once it has validated it. */
async function diagnose(file: string, text = readFileSync(file, "utf8")): Promise<Diagnostic[]> {
  const uri = pathToFileURL(file).href;
  const got = new Promise<Diagnostic[]>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no diagnostics for ${file} within 30 s`)), 30_000);
    waiting.set(uri, (d) => {
      clearTimeout(timer);
      res(d);
    });
  });
  await conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "yaml", version: ++version, text } });
  return got;
}

const shipped = (dir: string) => readdirSync(join(repo, dir)).filter((f) => f.endsWith(".yaml")).map((f) => join(repo, dir, f));
const shown = (ds: Diagnostic[]) => ds.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);

const MISTAKES = [
  "- hosts: redis",
  "  become: maybe",
  "  tasks:",
  "    - name: a task",
  "      template:",
  "        src: x.hbs",
  "        destt: /etc/x",
  "",
].join("\n");

describe("yaml-language-server on the shipped files", () => {
  it.each(shipped("playbooks"))("%s: no diagnostic", async (file) => {
    expect(shown(await diagnose(file))).toEqual([]);
  });

  it.each(shipped("inventory"))("%s: no diagnostic", async (file) => {
    expect(shown(await diagnose(file))).toEqual([]);
  });

  it("a playbook of another project, naming the schema under node_modules/redplay: setup.yaml's tasks pass, a mistake is flagged", async () => {
    const body = readFileSync(join(repo, "playbooks/setup.yaml"), "utf8").split("\n").slice(1).join("\n");
    const good = join(project, "site.yaml");
    const line = "# yaml-language-server: $schema=./node_modules/redplay/schemas/playbook.schema.json\n";
    writeFileSync(good, line + body);
    expect(shown(await diagnose(good))).toEqual([]);
    const bad = join(project, "bad.yaml");
    writeFileSync(bad, line + MISTAKES);
    const ds = shown(await diagnose(bad));
    expect(ds.some((d) => d.startsWith("3:") && /become|Incorrect type|Value is not accepted/i.test(d)), ds.join("\n")).toBe(true);
    expect(ds.some((d) => d.startsWith("8:") && /destt|not allowed/i.test(d)), ds.join("\n")).toBe(true);
  });

  it("a playbook mapped by the yaml.schemas setting, without a modeline: bare modules and `become: yes` pass, a mistake is flagged", async () => {
    const good = join(project, "mapped", "site.yaml");
    writeFileSync(good, "- hosts: redis\n  become: yes\n  tasks:\n    - redis_facts:\n    - lineinfile: { path: /etc/x, line: y, create: yes }\n");
    expect(shown(await diagnose(good))).toEqual([]);
    const bad = join(project, "mapped", "bad.yaml");
    writeFileSync(bad, MISTAKES);
    expect((await diagnose(bad)).length).toBeGreaterThan(0);
  });
});
