// The structural schema of a playbook: plays and task keywords. Module keys are not listed
// here; they come from the module registry at load time (src/load/task-check.ts) and in the
// editor schema (export.ts), so this schema lets unknown task keys through.
import type { ValidateFunction } from "ajv";
import { validatorFor } from "./validators.js";
import { playKeywordSchemas, taskKeywordSchemas } from "./keywords.js";

/** The playbook schema the loader validates with: plays strict, tasks open to module keys. */
export function playbookStructureSchema(): Record<string, unknown> {
  return {
    type: "array",
    items: { $ref: "#/definitions/play" },
    definitions: {
      play: {
        type: "object",
        required: ["hosts"],
        properties: playKeywordSchemas("#/definitions/task"),
        additionalProperties: false,
      },
      task: {
        type: "object",
        properties: taskKeywordSchemas("#/definitions/task"),
      },
    },
  };
}

let compiled: ValidateFunction | undefined;

/** Compiled once; the structure does not depend on registered modules. */
export function playbookStructureValidator(): ValidateFunction {
  compiled ??= validatorFor("strict", playbookStructureSchema());
  return compiled;
}
