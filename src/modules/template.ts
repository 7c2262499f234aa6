// `template`: renders a Handlebars file from the controller with the host's variables and puts
// the result at dest. Rendering happens in plan, so --check shows the exact diff.
import { failureText } from "../errors.js";
import { promises as fs } from "node:fs";
import { applyContent, destSchemaProps, planContent, type ContentState, type DestArgs } from "./file-content.js";
import type { Module } from "./types.js";

/** Arguments of `template`. */
export interface TemplateArgs extends DestArgs {
  src: string;
}

export const templateModule: Module<TemplateArgs, ContentState> = {
  name: "template",
  check: "full",
  templateArgs: ["src"],
  schema: {
    type: "object",
    properties: { ...destSchemaProps, src: { type: "string", minLength: 1 } },
    required: ["src", "dest"],
    additionalProperties: false,
  },
  async plan(ctx, args) {
    const path = ctx.resolveSrc("templates", args.src);
    try {
      await fs.access(path);
    } catch {
      return { changes: [], failed: `template ${args.src} not found (looked at ${path})` };
    }
    let rendered: string;
    try {
      rendered = await ctx.renderFile(args.src);
    } catch (err) {
      return { changes: [], failed: `template ${args.src}: ${failureText(err)}` };
    }
    return planContent(ctx, args, Buffer.from(rendered, "utf8"));
  },
  apply: applyContent,
};
