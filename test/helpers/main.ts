// Runs the CLI's main() in this process (the sources, no build needed), capturing what it
// writes to stdout and stderr and the exit code it resolves to.
import { vi } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliResult } from "./cli.js";

export async function runMain(args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const before = process.exitCode;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}
