// Converts redplay's templates/redis.conf.hbs into the Jinja2 template the Ansible peer renders
// (templates/redis.conf.j2), so both tools write the same bytes from one source. It knows the
// subset of Handlebars the file uses (its helpers, if/else/unless/each, standalone lines, `~`) and
// refuses anything else, naming the line: a template change this converter does not understand
// stops the bench instead of producing a file that silently differs.
//
// Resolved at conversion time, for the lab's server (Debian 12's Redis 7.0.15): `directive` and
// `directive_name` (redplay decides them per host from its redis_server fact; the peer's hosts all
// run that one version). Everything else stays a Jinja expression, so every node gets its own file.
//
//   node bench/peers/ansible/template.mjs            # rewrite templates/redis.conf.j2
//   node bench/peers/ansible/template.mjs --check    # exit 1 when it is not current
//
// Known edge differences (no variable the bench sets reaches them): Jinja prints Python's
// True/False for booleans, where Handlebars prints true/false, and `#if` on an empty mapping is
// false in Jinja, true in Handlebars.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "../../..");
export const HBS = join(REPO, "templates/redis.conf.hbs");
export const J2 = join(HERE, "templates/redis.conf.j2");

/** The server the peer's file is rendered for: what `redplay lab up --os bookworm --server redis` runs. */
export const PEER_SERVER = { flavor: "redis", version: "7.0.15", redisCompat: "7.0.15" };

class ConvertError extends Error {}

// ---- Handlebars expressions -------------------------------------------------------------------

function tokenize(src, where) {
  const out = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      out.push({ t: c });
      i++;
    } else if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ConvertError(`${where}: unterminated string`);
      out.push({ t: "lit", v: src.slice(i + 1, end) });
      i = end + 1;
    } else {
      const m = /^[^\s()]+/.exec(src.slice(i));
      const w = m[0];
      if (/^-?\d+(\.\d+)?$/.test(w)) out.push({ t: "lit", v: Number(w) });
      else if (w === "true" || w === "false") out.push({ t: "lit", v: w === "true" });
      else if (/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(w)) out.push({ t: "id", v: w });
      else throw new ConvertError(`${where}: cannot read "${w}"`);
      i += w.length;
    }
  }
  return out;
}

/** Parses `helper arg...` or a lone path/literal into { kind: "call"|"path"|"lit", ... }. */
function parseExpr(src, where) {
  const toks = tokenize(src, where);
  let p = 0;
  const atom = () => {
    const t = toks[p++];
    if (!t) throw new ConvertError(`${where}: expression ends early`);
    if (t.t === "lit") return { kind: "lit", value: t.v };
    if (t.t === "id") return { kind: "path", path: t.v };
    if (t.t === "(") {
      const name = toks[p++];
      if (name?.t !== "id") throw new ConvertError(`${where}: a subexpression must start with a helper`);
      const args = [];
      while (toks[p] && toks[p].t !== ")") args.push(atom());
      if (toks[p++]?.t !== ")") throw new ConvertError(`${where}: unbalanced parentheses`);
      return { kind: "call", name: name.v, args };
    }
    throw new ConvertError(`${where}: unexpected "${t.t}"`);
  };
  const first = atom();
  if (p === toks.length) return first;
  if (first.kind !== "path") throw new ConvertError(`${where}: a call must start with a helper name`);
  const args = [];
  while (p < toks.length) args.push(atom());
  return { kind: "call", name: first.path, args };
}

const HELPERS = new Set(["default", "quote", "join", "length", "eq", "ne", "directive", "directive_name", "redis_majority_fence"]);

/** Jinja literal of a JS value. */
function jLit(v) {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return String(v);
  return JSON.stringify(v);
}

/**
 * Jinja for a Handlebars expression. `loose`: a path that may be undefined (a helper argument,
 * an `if` condition) becomes `(path | default(none))`, as Handlebars hands undefined to helpers.
 */
function jExpr(e, ctx, loose) {
  if (e.kind === "lit") return jLit(e.value);
  if (e.kind === "path") {
    const path = e.path === "this" ? ctx.loopVar : e.path.startsWith("this.") ? `${ctx.loopVar}${e.path.slice(4)}` : e.path;
    if (!path) throw new ConvertError(`${ctx.where}: "this" outside #each`);
    return loose ? `(${path} | default(none))` : path;
  }
  const { name, args } = e;
  if (!HELPERS.has(name)) throw new ConvertError(`${ctx.where}: the converter does not know the helper "${name}"; teach bench/peers/ansible/template.mjs`);
  const a = (i) => jExpr(args[i], ctx, true);
  switch (name) {
    case "default": {
      // d(): Handlebars' default, the fallback only for undefined, null and "" (0 and false stay).
      return `d(${jExpr(args[0], ctx, false)}, ${jExpr(args[1], ctx, false)})`;
    }
    case "quote":
      return `rq(${jExpr(args[0], ctx, false)})`;
    case "join":
      return `(${jExpr(args[0], ctx, false)} | join(${a(1)}))`;
    case "length":
      return `(${jExpr(args[0], ctx, false)} | length)`;
    case "eq":
    case "ne": {
      const bool = args.find((x) => x.kind === "lit" && typeof x.value === "boolean");
      if (bool) {
        const other = args[0] === bool ? a(1) : a(0);
        return `(${other} is ${name === "ne" ? "not " : ""}sameas ${jLit(bool.value)})`;
      }
      return `(${a(0)} ${name === "eq" ? "==" : "!="} ${a(1)})`;
    }
    case "redis_majority_fence":
      // floor(N/2) of the group (primary + replicas): src/redis/fence.ts.
      return `((((${jExpr(args[0], ctx, false)}).replicas | length) + 1) // 2)`;
    default:
      throw new ConvertError(`${ctx.where}: "${name}" can only stand alone in a mustache`);
  }
}

// ---- Lines ------------------------------------------------------------------------------------

/** Static text must not open a Jinja tag. */
function staticText(text) {
  if (/\{[{%#]/.test(text)) return `{% raw %}${text}{% endraw %}`;
  return text;
}

/** Splits a line into text and `{{...}}` parts. */
function segments(line, where) {
  const out = [];
  let i = 0;
  while (i < line.length) {
    const open = line.indexOf("{{", i);
    if (open < 0) {
      out.push({ text: line.slice(i) });
      break;
    }
    if (open > i) out.push({ text: line.slice(i, open) });
    const close = line.indexOf("}}", open);
    if (close < 0) throw new ConvertError(`${where}: a mustache does not close on its line`);
    const body = line.slice(open + 2, close);
    if (/^[~{&!]|~$/.test(body)) throw new ConvertError(`${where}: "{{${body}}}" (whitespace control, triple-stash or inline comment) is not supported here`);
    out.push({ tag: body.trim() });
    i = close + 2;
  }
  return out;
}

function blockKind(tag) {
  if (tag.startsWith("#") || tag.startsWith("/") || tag.startsWith("^")) return true;
  return tag === "else" || tag.startsWith("else ");
}

/** Jinja for one block tag; `stack` tracks open blocks. */
function blockTag(tag, ctx, stack) {
  const where = ctx.where;
  if (tag.startsWith("#if ")) {
    stack.push("if");
    return `if ${jExpr(parseExpr(tag.slice(4), where), ctx, true)}`;
  }
  if (tag.startsWith("#unless ")) {
    stack.push("unless");
    return `if not ${jExpr(parseExpr(tag.slice(8), where), ctx, true)}`;
  }
  if (tag.startsWith("#each ")) {
    stack.push("each");
    const list = jExpr(parseExpr(tag.slice(6), where), ctx, true);
    if (ctx.loopVar) throw new ConvertError(`${where}: nested #each is not supported`);
    ctx.loopVar = "item";
    // Handlebars iterates a list (or a mapping's values); anything else goes to {{else}}.
    return `for item in (${list} if ${list} is sequence and ${list} is not string and ${list} is not mapping else (${list}.values() | list if ${list} is mapping else []))`;
  }
  if (tag === "else") {
    const top = stack[stack.length - 1];
    if (top === "each") ctx.loopVar = null;
    if (!top) throw new ConvertError(`${where}: {{else}} outside a block`);
    return "else";
  }
  if (tag.startsWith("else if ")) {
    if (stack[stack.length - 1] !== "if") throw new ConvertError(`${where}: {{else if}} outside #if`);
    return `elif ${jExpr(parseExpr(tag.slice(8), where), ctx, true)}`;
  }
  if (tag.startsWith("/")) {
    const name = tag.slice(1);
    const top = stack.pop();
    if (top !== name) throw new ConvertError(`${where}: {{/${name}}} closes ${top ? `#${top}` : "nothing"}`);
    if (name === "each") {
      ctx.loopVar = null;
      return "endfor";
    }
    return "endif";
  }
  throw new ConvertError(`${where}: the block "{{${tag}}}" is not supported`);
}

/** A mustache that prints: `directive` resolves to text now, anything else to a Jinja expression. */
function printTag(tag, ctx, directiveFor, serverSeries) {
  const e = parseExpr(tag, ctx.where);
  if (e.kind === "call" && (e.name === "directive" || e.name === "directive_name")) {
    const [nameArg, ...rest] = e.args;
    if (nameArg?.kind !== "lit" || typeof nameArg.value !== "string") throw new ConvertError(`${ctx.where}: ${e.name} needs a literal directive name`);
    const v = directiveFor(PEER_SERVER, nameArg.value);
    if (e.name === "directive_name") return { text: v.accepted ? v.name : nameArg.value };
    if (!v.accepted) return { text: `# redplay: ${nameArg.value} needs ${v.needs}; left out for ${serverSeries(PEER_SERVER)}.` };
    const parts = [{ text: v.name }];
    for (const arg of rest) parts.push({ text: " " }, arg.kind === "lit" ? { text: String(arg.value) } : { expr: jExpr(arg, ctx, false) });
    return { parts };
  }
  return { expr: jExpr(e, ctx, false) };
}

/** The Jinja2 text for `hbs`. `directives`: { directiveFor, serverSeries } from redplay's dist/. */
export function convert(hbs, { directiveFor, serverSeries }) {
  // Standalone comments vanish with their line, as in Handlebars.
  let text = hbs.replace(/^[ \t]*\{\{!--[\s\S]*?--\}\}[ \t]*\r?\n/gm, "");
  // `{{~#var}}...{{/var~}}` lines only assert that a variable is set (and, for the password, not
  // empty); with their `~` they print nothing. Jinja fails on an undefined variable by itself.
  text = text.replace(/^\{\{~#(\w+)\}\}.*\{\{\/\1~\}\}\r?\n/gm, "");
  if (text.includes("{{!")) throw new ConvertError("a comment that does not stand on its own lines is not supported");
  const out = [];
  const stack = [];
  const ctx = { loopVar: null, where: "" };
  const lines = text.split("\n");
  lines.forEach((line, idx) => {
    ctx.where = `templates/redis.conf.hbs (after comments) line ${idx + 1}: ${line.slice(0, 80)}`;
    if (!line.includes("{{")) {
      out.push(staticText(line));
      return;
    }
    const segs = segments(line, ctx.where);
    const tags = segs.filter((s) => s.tag !== undefined);
    const standalone = tags.length === 1 && blockKind(tags[0].tag) && segs.every((s) => s.tag !== undefined || /^\s*$/.test(s.text));
    if (standalone) {
      // trim_blocks + lstrip_blocks drop a line holding only a block tag, as Handlebars does.
      out.push(`{% ${blockTag(tags[0].tag, ctx, stack)} %}`);
      return;
    }
    let j = "";
    segs.forEach((s, k) => {
      if (s.text !== undefined) {
        j += staticText(s.text);
      } else if (blockKind(s.tag)) {
        // Inline: keep the whitespace before it (no lstrip) and the newline after it (no trim).
        const onlySpaceBefore = segs.slice(0, k).every((x) => x.text !== undefined && /^\s*$/.test(x.text));
        const last = k === segs.length - 1;
        j += `{%${onlySpaceBefore ? "+" : ""} ${blockTag(s.tag, ctx, stack)} ${last ? "+" : ""}%}`;
      } else {
        const r = printTag(s.tag, ctx, directiveFor, serverSeries);
        const parts = r.parts ?? [r];
        for (const p of parts) j += p.text !== undefined ? staticText(p.text) : `{{ ${p.expr} }}`;
      }
    });
    out.push(j);
  });
  if (stack.length) throw new ConvertError(`templates/redis.conf.hbs: #${stack[stack.length - 1]} is never closed`);
  const header = [
    "{# Generated from templates/redis.conf.hbs by bench/peers/ansible/template.mjs for Redis 7.0.15;",
    "   do not edit. Render with trim_blocks and lstrip_blocks (Handlebars drops standalone block",
    "   lines the same way). rq() is redplay's `quote` helper: bare when safe, else double-quoted. #}",
    "{% macro rq(v) %}",
    "{% set s = v | string %}",
    "{% if s != '' and not (s is search('[\\\\s\"\\'\\\\\\\\]')) %}",
    "{{ s }}",
    "{%- else %}",
    "\"{{ s | replace('\\\\', '\\\\\\\\') | replace('\"', '\\\\\"') | replace('\\n', '\\\\n') | replace('\\r', '\\\\r') | replace('\\t', '\\\\t') }}\"",
    "{%- endif %}",
    "{% endmacro %}",
    "{# d() is its `default` helper: the fallback for undefined, null and \"\" only (0 and false stay). #}",
    "{% macro d(v, f) %}{{ f if (v is undefined or v is none or v == '') else v }}{% endmacro %}",
  ];
  return `${header.join("\n")}\n${out.join("\n")}`;
}

/** Loads redplay's directive table from a dist/ (the bench runs on the built CLI anyway). */
export async function directiveTable(distDir = join(REPO, "dist")) {
  const mod = await import(pathToFileURL(join(distDir, "redis/conf-directives.js")).href);
  return { directiveFor: mod.directiveFor, serverSeries: mod.serverSeries };
}

/** Converts a redis.conf.hbs (by default the repository's) with the directive table of `distDir`. */
export async function currentJ2({ hbsPath = HBS, distDir } = {}) {
  return convert(readFileSync(hbsPath, "utf8"), await directiveTable(distDir));
}

/** Rewrites templates/redis.conf.j2 when it is not current; returns true when it changed. */
export async function syncJ2(from = {}) {
  const want = await currentJ2(from);
  let have = "";
  try {
    have = readFileSync(J2, "utf8");
  } catch {
    // first conversion
  }
  if (have === want) return false;
  writeFileSync(J2, want);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const check = process.argv.includes("--check");
  try {
    if (check) {
      const same = readFileSync(J2, "utf8") === (await currentJ2());
      process.stdout.write(same ? "templates/redis.conf.j2 is current\n" : "templates/redis.conf.j2 is stale: run node bench/peers/ansible/template.mjs\n");
      process.exit(same ? 0 : 1);
    }
    process.stdout.write((await syncJ2()) ? `wrote ${J2}\n` : `${J2} already current\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof ConvertError ? "cannot convert: " : ""}${err.message}\n`);
    process.exit(1);
  }
}
