// The structural schema of a playbook: plays (or `import_playbook` entries) and task keywords.
// Module keys are not listed here; they come from the module registry at load time
// (src/load/task-check.ts) and in the editor schema (export.ts), so this schema lets unknown
// task keys through.
import type { ValidateFunction } from "ajv";
import { validatorFor } from "./validators.js";
import { importPlaybookSchema, playKeywordSchemas, taskKeywordSchemas } from "./keywords.js";

/** The playbook schema: a list of plays or import_playbook entries; plays strict, tasks open to module keys. */
export function playbookStructureSchema(): Record<string, unknown> {
  return {
    type: "array",
    items: { anyOf: [{ $ref: "#/definitions/play" }, { $ref: "#/definitions/import_playbook" }] },
    definitions: {
      play: {
        type: "object",
        required: ["hosts"],
        properties: playKeywordSchemas("#/definitions/task"),
        additionalProperties: false,
      },
      import_playbook: importPlaybookSchema,
      task: {
        type: "object",
        properties: taskKeywordSchemas("#/definitions/task"),
      },
    },
  };
}

const compiled = new Map<string, ValidateFunction>();

/** What the loader validates on its own: one play, one import_playbook entry, or a file of tasks. */
export type PlaybookPart = "play" | "import_playbook" | "tasks";

/** The schema of one part, with the structure's definitions (scripts/build.mjs generates a validator for each). */
export function playbookPartSchema(part: PlaybookPart): Record<string, unknown> {
  const { definitions } = playbookStructureSchema() as { definitions: Record<string, unknown> };
  const root = part === "tasks" ? { type: "array", items: { $ref: "#/definitions/task" } } : { $ref: `#/definitions/${part}` };
  return { ...root, definitions };
}

/** Every part the loader validates, for the build. */
export const PLAYBOOK_PARTS: readonly PlaybookPart[] = ["play", "import_playbook", "tasks"];

function partValidator(part: PlaybookPart): ValidateFunction {
  let v = compiled.get(part);
  if (!v) {
    v = validatorFor("strict", playbookPartSchema(part));
    compiled.set(part, v);
  }
  return v;
}

/** Validates one entry of a playbook's list: a play. */
export function playValidator(): ValidateFunction {
  return partValidator("play");
}

/** Validates one `import_playbook` entry. */
export function importPlaybookValidator(): ValidateFunction {
  return partValidator("import_playbook");
}

/** Validates a file of tasks (include_tasks, import_tasks, a role's tasks/ and handlers/). */
export function taskListValidator(): ValidateFunction {
  return partValidator("tasks");
}
