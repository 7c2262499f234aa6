// `include_vars`: variables from a YAML file on the controller (a role's vars/, or beside the
// playbook), for the rest of the run, as Ansible's include_vars does with `file` (or the
// free-form name) and `name`. The file name may be a template (`{{ansible_os_family}}.yml`);
// every file it may name is loaded and checked before the run (load/include-vars.ts), and again
// here, for this host's name. Values under secret-looking names (as every fact's, by the engine)
// and vault-decrypted ones are masked in all output. Nothing on the host changes.
import { LoadErrors } from "../errors.js";
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
    // Values under secret-looking names are masked by the engine, as for every fact; a value
    // decrypted now is masked whatever its name.
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
