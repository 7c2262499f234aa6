// JSON Schema pieces for the keywords of plays and tasks. The loader validates with these and
// the editor schema (export.ts) embeds them, so both always agree on what a keyword accepts.

/** A variable, register or loop_var name: what templates can refer to. */
export const IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_]*$";

/** A string schema for such a name, described for error messages and editors. */
const identifierSchema = { type: "string", pattern: IDENTIFIER, description: "a name of letters, digits and underscores, not starting with a digit" };

/** `when`-like conditions: an expression, a boolean, or a list of them (all must hold). */
export const conditionSchema = {
  anyOf: [{ type: "string" }, { type: "boolean" }, { type: "array", items: { type: ["string", "boolean"] } }],
};

/** A name or a list of names (notify, listen, tags, vars_files). */
export const stringListSchema = {
  anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
};

/** A mapping of variables; keys must be usable in templates. */
export const varsSchema = {
  type: "object",
  propertyNames: { pattern: IDENTIFIER },
};

/** `become`: a boolean, or a template rendered per host (`"{{ use_sudo }}"`) that must give one. */
const becomeSchema = {
  anyOf: [
    { type: "boolean" },
    { type: "string", pattern: "\\{\\{", description: "a template that renders to a boolean" },
  ],
};

/** Task keywords other than the module key, with their schemas. `$ref`s point into a definitions block. */
export function taskKeywordSchemas(taskRef: string): Record<string, Record<string, unknown>> {
  const taskList = { type: "array", items: { $ref: taskRef } };
  return {
    name: { type: "string" },
    when: conditionSchema,
    loop: { anyOf: [{ type: "array" }, { type: "string" }] },
    loop_control: {
      type: "object",
      properties: { loop_var: identifierSchema },
      additionalProperties: false,
    },
    register: identifierSchema,
    notify: stringListSchema,
    listen: stringListSchema,
    until: conditionSchema,
    retries: { type: "integer", minimum: 0 },
    delay: { type: "number", minimum: 0 },
    changed_when: conditionSchema,
    failed_when: conditionSchema,
    ignore_errors: { type: "boolean" },
    tags: stringListSchema,
    run_once: { type: "boolean" },
    no_log: { type: "boolean" },
    become: becomeSchema,
    become_user: { type: "string" },
    remote_user: { type: "string", minLength: 1 },
    delegate_to: { type: "string", minLength: 1, description: "Run the module through this host's connection (an inventory host or localhost), with the task's host's variables." },
    check_mode: { type: "boolean" },
    diff: { type: "boolean" },
    vars: varsSchema,
    block: taskList,
    rescue: taskList,
    always: taskList,
  };
}

/** Every task keyword name (a key that is not one of these is a module name). */
export const TASK_KEYWORDS: readonly string[] = Object.keys(taskKeywordSchemas("#"));

/** A batch size: a count or a percentage of the play's hosts. */
const batchSchema = {
  anyOf: [
    { type: "integer", minimum: 1 },
    { type: "string", pattern: "^(100|[1-9]?[0-9])%$", description: 'a number of hosts or a percentage such as "30%"' },
  ],
};

/** A `roles:` entry: a role name, or a mapping naming it (`role:` or `name:`) with keywords and parameters. */
const roleEntrySchema = {
  anyOf: [
    { type: "string", minLength: 1 },
    {
      type: "object",
      properties: {
        role: { type: "string", minLength: 1 },
        name: { type: "string", minLength: 1 },
        when: conditionSchema,
        tags: stringListSchema,
        vars: varsSchema,
        become: becomeSchema,
        become_user: { type: "string" },
        remote_user: { type: "string", minLength: 1 },
      },
    },
  ],
};

/** `include_tasks` / `import_tasks`: a file name, or `file:` (and, for include_tasks, `apply:`). */
const taskFileArgs = (withApply: boolean) => ({
  anyOf: [
    { type: "string", minLength: 1 },
    {
      type: "object",
      properties: {
        file: { type: "string", minLength: 1 },
        _raw_params: { type: "string", minLength: 1 },
        ...(withApply ? { apply: applySchema } : {}),
      },
      additionalProperties: false,
    },
  ],
});

/** `apply:` of include_tasks/include_role: keywords given to every included task. */
const applySchema = {
  type: "object",
  properties: { tags: stringListSchema, become: becomeSchema, become_user: { type: "string" }, when: conditionSchema, remote_user: { type: "string" }, delegate_to: { type: "string" } },
  additionalProperties: false,
};

/** `include_role` / `import_role` arguments. */
const roleArgs = (dynamic: boolean) => ({
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 1 },
    tasks_from: { type: "string", minLength: 1 },
    vars_from: { type: "string", minLength: 1 },
    defaults_from: { type: "string", minLength: 1 },
    handlers_from: { type: "string", minLength: 1 },
    allow_duplicates: { type: "boolean" },
    rolespec_validate: { type: "boolean" },
    ...(dynamic ? { apply: applySchema, public: { type: "boolean" } } : {}),
  },
  additionalProperties: false,
});

/** The actions that bring other task files and roles into a play, with their argument schemas. */
export const INCLUDE_ACTION_SCHEMAS: Record<string, Record<string, unknown>> = {
  include_tasks: taskFileArgs(true),
  import_tasks: taskFileArgs(false),
  include_role: roleArgs(true),
  import_role: roleArgs(false),
};

/** `- import_playbook: other.yaml` in a playbook's list, in place of a play. */
export const importPlaybookSchema = {
  type: "object",
  required: ["import_playbook"],
  properties: {
    import_playbook: { type: "string", minLength: 1 },
    name: { type: "string" },
    vars: varsSchema,
    tags: stringListSchema,
  },
  additionalProperties: false,
};

/** Play keywords with their schemas. */
export function playKeywordSchemas(taskRef: string): Record<string, Record<string, unknown>> {
  const taskList = { type: "array", items: { $ref: taskRef } };
  return {
    name: { type: "string" },
    hosts: { anyOf: [{ type: "string", minLength: 1 }, { type: "array", items: { type: "string" }, minItems: 1 }] },
    vars: varsSchema,
    vars_files: stringListSchema,
    become: becomeSchema,
    become_user: { type: "string" },
    remote_user: { type: "string", minLength: 1 },
    serial: { anyOf: [batchSchema, { type: "array", items: batchSchema, minItems: 1 }] },
    max_fail_percentage: { type: "number", minimum: 0, maximum: 100 },
    any_errors_fatal: { type: "boolean" },
    tags: stringListSchema,
    pre_tasks: taskList,
    roles: { type: "array", items: roleEntrySchema },
    tasks: taskList,
    post_tasks: taskList,
    handlers: taskList,
    gather_facts: {
      type: "boolean",
      description: "true: gather the host facts (ansible_hostname, ansible_distribution, ansible_default_ipv4, ...) before the first task; default false",
    },
  };
}

/** Every play keyword name. */
export const PLAY_KEYWORDS: readonly string[] = Object.keys(playKeywordSchemas("#"));
