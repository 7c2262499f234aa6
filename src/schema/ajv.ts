// The ajv instances. Our own schemas compile in strict mode, so a typo in them fails loudly;
// module argument schemas come from module authors and compile leniently (unknown annotations
// allowed). Both keep every error (`allErrors`) and the failing schema (`verbose`, which
// issues.ts uses for did-you-mean over allowed keys).
import { Ajv } from "ajv";

/** For redplay's own playbook, task and inventory schemas. */
export const strictAjv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });

/** For module argument schemas. */
export const moduleAjv = new Ajv({ allErrors: true, verbose: true, strict: false });
