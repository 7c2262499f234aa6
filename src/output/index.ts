// Public surface of the output layer: the CLI builds a reporter from here and the engine never
// imports anything else of it.
export { MASK, Secrets, maskCredentialSyntax } from "./redact.js";
export { renderDiff, MAX_DIFF_BYTES, type RenderDiffOptions } from "./diff.js";
export { HumanReporter, type HumanReporterOptions } from "./human.js";
export { JsonReporter, type JsonReporterOptions } from "./json.js";
export { shouldUseColor } from "./color.js";
export { NO_LOG_NOTICE } from "./format.js";
