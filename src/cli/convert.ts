// `redplay convert TEMPLATE.j2 [-o OUT.hbs]`: a Jinja2 template translated to Handlebars, and a
// precise list (file:line:col) of what could not be: those places are written as
// `{{jinja2_untranslated "..."}}`, which validate and rendering refuse until they are fixed.
import { readFile, writeFile } from "node:fs/promises";
import { JinjaSyntaxError } from "../template/jinja-ast.js";
import { convertJinja } from "../template/jinja-convert.js";
import { EXIT } from "./exit-codes.js";
import { displayPath } from "./load-all.js";

/** Options of `redplay convert`. */
export interface ConvertOptions {
  output?: string;
}

export async function convertCommand(file: string, opts: ConvertOptions): Promise<number> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(`error: ${file}: ${code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(err)})`}\n`);
    return EXIT.INVALID;
  }
  let result;
  try {
    result = convertJinja(source);
  } catch (err) {
    if (!(err instanceof JinjaSyntaxError)) throw err;
    process.stderr.write(`error: ${file}:${err.line ?? 1}:${err.col ?? 1}: not a Jinja2 template nunjucks can read: ${err.message}\n`);
    return EXIT.INVALID;
  }
  if (opts.output) await writeFile(opts.output, result.hbs);
  else process.stdout.write(result.hbs);
  const shown = displayPath(file);
  for (const u of result.untranslated) process.stderr.write(`${shown}:${u.line}:${u.col}: not translated: ${u.what}\n`);
  if (result.untranslated.length > 0) {
    process.stderr.write(
      `${result.untranslated.length} construct(s) not translated; they are written as {{jinja2_untranslated ...}}, which redplay refuses to render until they are replaced\n`,
    );
    return EXIT.FAILED;
  }
  if (opts.output) process.stderr.write(`${shown}: translated to ${displayPath(opts.output)}\n`);
  return EXIT.OK;
}
