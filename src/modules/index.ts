// The builtin modules (the redis_* family included), registered by name. Calling registerBuiltinModules() again is harmless:
// the registry maps names, so a second call replaces each module with itself.
import { registerModule } from "./registry.js";
import { aptModule, packageModule } from "./apt.js";
import { assertModule } from "./assert.js";
import { commandModule, shellModule } from "./command.js";
import { copyModule } from "./copy.js";
import { debugModule } from "./debug.js";
import { failModule } from "./fail.js";
import { fileModule } from "./file.js";
import { includeVarsModule } from "./include-vars.js";
import { lineinfileModule } from "./lineinfile.js";
import { metaModule } from "./meta.js";
import { pauseModule } from "./pause.js";
import { redisModules } from "./redis/index.js";
import { serviceModule } from "./service.js";
import { setFactModule } from "./set-fact.js";
import { setupModule } from "./setup.js";
import { systemdModule, systemdServiceModule } from "./systemd.js";
import { templateModule } from "./template.js";
import { groupModule, userModule } from "./user-group.js";
import { waitForModule } from "./wait-for.js";
import type { AnyModule } from "./types.js";

/** Every builtin module, in registration order. */
export const builtinModules: readonly AnyModule[] = [
  commandModule,
  shellModule,
  copyModule,
  templateModule,
  fileModule,
  serviceModule,
  systemdModule,
  systemdServiceModule,
  lineinfileModule,
  includeVarsModule,
  userModule,
  groupModule,
  aptModule,
  packageModule,
  waitForModule,
  assertModule,
  failModule,
  debugModule,
  setFactModule,
  setupModule,
  pauseModule,
  metaModule,
  ...redisModules,
];

export function registerBuiltinModules(): void {
  for (const mod of builtinModules) registerModule(mod);
}
