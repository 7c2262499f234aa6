// `copy`: puts given content, or a file from the controller (files/ beside the playbook), at
// dest on the host. The comparison and the atomic write live in file-content.ts.
import { failureText } from "../errors.js";
import { promises as fs } from "node:fs";
import { applyContent, destSchemaProps, planContent, type ContentState, type DestArgs } from "./file-content.js";
import type { Module } from "./types.js";

/** Arguments of `copy`: exactly one of content and src. */
export interface CopyArgs extends DestArgs {
  content?: string;
  src?: string;
}

export const copyModule: Module<CopyArgs, ContentState> = {
  name: "copy",
  check: "full",
  schema: {
    type: "object",
    properties: {
      ...destSchemaProps,
      content: { type: "string" },
      src: { type: "string", minLength: 1 },
    },
    required: ["dest"],
    oneOf: [{ required: ["content"] }, { required: ["src"] }],
    additionalProperties: false,
  },
  async plan(ctx, args) {
    let content: Buffer;
    if (args.content !== undefined) {
      content = Buffer.from(args.content, "utf8");
    } else {
      const path = ctx.resolveSrc("files", args.src!);
      try {
        content = await fs.readFile(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "not found" : code === "EISDIR" ? "is a directory (copy takes one file)" : failureText(err);
        return { changes: [], failed: `copy src ${args.src} ${why} (looked at ${path})` };
      }
    }
    return planContent(ctx, args, content);
  },
  apply: applyContent,
};
