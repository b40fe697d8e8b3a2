import { EvaluatorConfigError, EvaluatorInputError } from "../library/define.js";
import { getPath } from "../library/values.js";
import type { EvaluatorArgs } from "../types.js";

const ROOTS = ["input", "output", "expected", "reference", "metadata"] as const;
type Root = (typeof ROOTS)[number];

/** `{input}`, `{output}`, `{expected}`, `{reference}`, `{metadata}`, or a dotted path below one: `{metadata.context}`. */
function placeholderPattern(extra: readonly string[]): RegExp {
  return new RegExp(`\\{(${[...ROOTS, ...extra].join("|")})((?:\\.[A-Za-z0-9_$-]+)*)\\}`, "g");
}

/** Values for placeholders beyond the five roots, computed per call (a judge's `{context}`). */
export type TemplateVariables = Record<string, (args: EvaluatorArgs) => unknown>;

export interface PromptTemplate {
  readonly source: string;
  readonly placeholders: readonly string[];
  render(args: EvaluatorArgs): string;
}

/**
 * Only the five known roots are placeholders, so JSON braces and other `{…}` text in a prompt
 * stay as written. A template that never shows the output to the judge is a declaration error.
 */
export function compileTemplate(evaluator: string, source: string, variables: TemplateVariables = {}): PromptTemplate {
  const extra = Object.keys(variables);
  for (const variable of extra) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable) || (ROOTS as readonly string[]).includes(variable)) {
      throw new EvaluatorConfigError(evaluator, `variable ${JSON.stringify(variable)} must be an identifier other than ${ROOTS.join(", ")}`);
    }
  }
  const PLACEHOLDER = placeholderPattern(extra);
  if (typeof source !== "string" || source.trim() === "") {
    throw new EvaluatorConfigError(evaluator, `"template" must be a non-empty string, got ${JSON.stringify(source)}`);
  }
  const placeholders = [...source.matchAll(PLACEHOLDER)].map((match) => match[0].slice(1, -1));
  if (!placeholders.some((placeholder) => placeholder === "output" || placeholder.startsWith("output."))) {
    throw new EvaluatorConfigError(
      evaluator,
      `"template" never mentions {output}, so the judge would not see what it judges; placeholders: ${ROOTS.map((root) => `{${root}}`).join(", ")} (or a path such as {metadata.context})`,
    );
  }
  return {
    source,
    placeholders,
    render(args) {
      return source.replace(PLACEHOLDER, (_match, root: string, path: string) => {
        const value = Object.hasOwn(variables, root) ? variables[root]!(args) : args[root as Root];
        if (!path) return format(value);
        const lookup = getPath(value, path.slice(1).split("."));
        if (!lookup.found) {
          throw new EvaluatorInputError(evaluator, `the template's {${root}${path}} has no value: ${root} has no "${lookup.missingAt.split(".").slice(1).join(".") || lookup.missingAt}"`, args.example?.id);
        }
        return format(lookup.value);
      });
    },
  };
}

/** Text as it is; everything else as indented JSON, which models read well. */
export function format(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return JSON.stringify(value, null, 2);
}
