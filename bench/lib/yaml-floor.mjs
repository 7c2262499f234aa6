#!/usr/bin/env -S node --max-semi-space-size=1
// The yaml package alone on a file, as redplay calls it: parseDocument, then toJS, with the same
// options (but for redplay's yes/no/0644 scalar tags), the same Node flags as bin/redplay.js and
// process.env copied as src/load/yaml.ts does. What `redplay validate` costs above this is
// redplay's own work.
//
//   bench/lib/yaml-floor.mjs FILE
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument } from "yaml";

const text = readFileSync(process.argv[2], "utf8");
const env = process.env;
process.env = { ...env };
try {
  parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: false, merge: true, prettyErrors: false, schema: "core" }).toJS({
    maxAliasCount: 1000,
  });
} finally {
  process.env = env;
}
