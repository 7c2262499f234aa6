// Template files compiled at build time, by the key of their text (content-key.ts). Empty here,
// in the sources and in tsc's output, where every template is compiled when first rendered; the
// CLI's bundle gets the table scripts/build.mjs writes for the files in templates/, each loaded
// only when a file with that exact text is rendered.
import type Handlebars from "handlebars";

/** What Handlebars.precompile produced, as a module's default export. */
export type TemplateSpec = Parameters<typeof Handlebars.template>[0];

export const precompiledTemplates: Readonly<Record<string, () => Promise<{ default: TemplateSpec }>>> = {};
