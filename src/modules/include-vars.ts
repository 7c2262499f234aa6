// `include_vars`: variables from a YAML file on the controller (a role's vars/, or beside the
// playbook), for the rest of the run, as Ansible's include_vars does with `file` (or the
// free-form name) and `name`. The file name may be a template (`{{ansible_os_family}}.yml`);
// every file it may name is loaded and checked before the run (load/include-vars.ts), and again
// here, for this host's name. Values under secret-looking names, and vault-decrypted ones, are
// masked in all output. Nothing on the host changes.
import { LoadErrors } from "../errors.js";
import { isSecretName } from "../load/secret-values.js";
import { vaultKeyring } from "../load/vault.js";
import { loadVarsFile } from "../load/vars.js";
import type { Module } from "./types.js";

/** Arguments of `include_vars`. */
export interface IncludeVarsArgs {
  /** The YAML file of variables (relative: the role's vars/, then vars/ beside the playbook, the playbook's dir). */
  file: string;
  /** Put the file's variables under this one variable instead of at the top level. */
  name?: string;
}

export const includeVarsModule: Module<IncludeVarsArgs> = {
  name: "include_vars",
  check: "full",
  local: true,
  freeForm: "file",
  schema: {
    type: "object",
    properties: {
      file: { type: "string", minLength: 1 },
      name: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
    },
    required: ["file"],
    additionalProperties: false,
  },
  async plan(ctx, args) {
    const abs = ctx.resolveSrc("vars", args.file);
    let vars: Record<string, unknown>;
    try {
      vars = await loadVarsFile(abs, args.file);
    } catch (err) {
      if (!(err instanceof LoadErrors)) throw err;
      return { changes: [], failed: `include_vars ${args.file}: ${err.errors.map((e) => e.format()).join("; ")}` };
    }
    maskSecrets(ctx.addSecret.bind(ctx), vars, undefined);
    for (const v of vaultKeyring().decrypted) ctx.addSecret(v);
    const facts = args.name ? { [args.name]: vars } : vars;
    const names = Object.keys(vars);
    return {
      changes: [],
      noop: `${names.length} variable(s) from ${args.file}${args.name ? ` as ${args.name}` : ""}`,
      facts,
      data: { ansible_facts: facts, ansible_included_var_files: [abs] },
    };
  },
  async apply() {
    return {};
  },
};

/** Marks every string under a secret-looking name (at any depth) as a secret. */
function maskSecrets(add: (v: string) => void, value: unknown, secretKey: string | undefined): void {
  if (typeof value === "string") {
    if (secretKey !== undefined && value !== "") add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) maskSecrets(add, v, secretKey);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) maskSecrets(add, v, secretKey ?? (isSecretName(k) ? k : undefined));
  }
}
