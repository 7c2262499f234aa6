// The structural schema of a playbook: plays (or `import_playbook` entries) and task keywords.
// Module keys are not listed here; they come from the module registry at load time
// (src/load/task-check.ts) and in the editor schema (export.ts), so this schema lets unknown
// task keys through.
import type { ValidateFunction } from "ajv";
import { strictAjv } from "./ajv.js";
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

function validatorFor(definition: "play" | "import_playbook" | "tasks"): ValidateFunction {
  let v = compiled.get(definition);
  if (!v) {
    const { definitions } = playbookStructureSchema() as { definitions: Record<string, unknown> };
    const root = definition === "tasks" ? { type: "array", items: { $ref: "#/definitions/task" } } : { $ref: `#/definitions/${definition}` };
    v = strictAjv.compile({ ...root, definitions });
    compiled.set(definition, v);
  }
  return v;
}

/** Validates one entry of a playbook's list: a play. */
export function playValidator(): ValidateFunction {
  return validatorFor("play");
}

/** Validates one `import_playbook` entry. */
export function importPlaybookValidator(): ValidateFunction {
  return validatorFor("import_playbook");
}

/** Validates a file of tasks (include_tasks, import_tasks, a role's tasks/ and handlers/). */
export function taskListValidator(): ValidateFunction {
  return validatorFor("tasks");
}
