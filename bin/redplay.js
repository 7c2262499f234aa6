#!/usr/bin/env -S node --max-semi-space-size=1
import { main } from "../dist/cli/main.js";

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
