// Writes schemas/playbook.schema.json and schemas/inventory.schema.json from the code, with
// every module of src/modules/index.ts registered. Run after adding or changing a module:
//   npx tsc -p tsconfig.json && node dist/schema/write-schemas.js [dir]
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { buildInventorySchema, buildPlaybookSchema } from "./export.js";

/** Serialises a schema the way the committed files are written (stable, diff-friendly). */
export function schemaJson(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Writes both schema files into `dir`; returns their paths. */
export async function writeSchemas(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: Array<[string, Record<string, unknown>]> = [
    ["playbook.schema.json", buildPlaybookSchema()],
    ["inventory.schema.json", buildInventorySchema()],
  ];
  const written: string[] = [];
  for (const [name, schema] of files) {
    const path = join(dir, name);
    await writeFile(path, schemaJson(schema));
    written.push(path);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // Imported by a variable name so this file builds before the modules index exists.
  const modulesIndex = "../modules/index.js";
  const builtins = (await import(modulesIndex).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes("modules/index")) throw err;
    console.warn("src/modules/index.ts not found: writing the playbook schema without modules");
    return {};
  })) as { registerBuiltinModules?: () => void };
  builtins.registerBuiltinModules?.();
  const paths = await writeSchemas(resolve(process.argv[2] ?? "schemas"));
  for (const p of paths) console.log(`wrote ${p}`);
}
