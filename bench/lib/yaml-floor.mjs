#!/usr/bin/env -S node --max-semi-space-size=1
// js-yaml alone on a file, as redplay's fast path calls it (its plain-scalar typing aside), with
// the same Node flags as bin/redplay.js: the part of a load that redplay does not control. What
// `redplay validate` costs above this is redplay's own work (scalar typing, checks, the play).
//
//   bench/lib/yaml-floor.mjs FILE
import { readFileSync } from "node:fs";
import jsYaml from "js-yaml";

jsYaml.load(readFileSync(process.argv[2], "utf8"), { schema: jsYaml.CORE_SCHEMA });
