import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { defineCodeEvaluator, EvaluatorConfigError, passFail, resolveName, type LibraryEvaluator, type NameOption } from "./define.js";
import { parseKeyPath, readOutput, show } from "./values.js";

// ajv-formats is CommonJS with a `default` export; under NodeNext its default import is the module object.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

export interface JsonOptions extends NameOption {
  /** Dotted path into the output. */
  outputKey?: string;
  /** Accept JSON wrapped in a Markdown code fence (```json … ```), as chat models often answer. Default false. */
  stripCodeFences?: boolean;
}

const FENCE = /^\s*```[\w-]*\s*\n([\s\S]*?)\n?\s*```\s*$/;

type Parsed = { ok: true; value: unknown; note: string } | { ok: false; explanation: string };

/** Output strings are parsed; other values already are JSON. */
function parseOutput(value: unknown, options: JsonOptions): Parsed {
  if (typeof value !== "string") {
    if (value === undefined) return { ok: false, explanation: "output is undefined, not JSON" };
    return { ok: true, value, note: "output is already a JSON value" };
  }
  const fenced = FENCE.exec(value);
  const text = fenced && options.stripCodeFences ? fenced[1]! : value;
  try {
    return { ok: true, value: JSON.parse(text), note: fenced && options.stripCodeFences ? "output parses as JSON (inside a code fence)" : "output parses as JSON" };
  } catch (error) {
    const hint = fenced ? "; it is wrapped in a ``` code fence: pass stripCodeFences: true to accept that" : "";
    return { ok: false, explanation: `output is not valid JSON (${(error as Error).message})${hint}: got ${show(value)}` };
  }
}

/** 1 when the output is valid JSON text (or already a JSON value). */
export function jsonParseable(options: JsonOptions = {}): LibraryEvaluator {
  const name = resolveName("json_parseable", options);
  const outputPath = parseKeyPath(name, "outputKey", options.outputKey);
  return defineCodeEvaluator(name, (args) => {
    const output = readOutput(args.output, outputPath);
    if (!output.ok) return passFail(false, output.explanation);
    const parsed = parseOutput(output.value, options);
    return parsed.ok ? passFail(true, parsed.note) : passFail(false, parsed.explanation);
  });
}

export type JsonSchemaDocument = Record<string, unknown> | boolean;

/**
 * 1 when the output (parsed when it is text) validates against `schema`, checked with Ajv
 * (draft-07 by default, 2020-12 when `$schema` says so; formats such as "email" are checked).
 * An invalid schema throws at declaration.
 */
export function jsonSchema(schema: JsonSchemaDocument, options: JsonOptions = {}): LibraryEvaluator {
  const name = resolveName("json_schema", options);
  const outputPath = parseKeyPath(name, "outputKey", options.outputKey);
  const validate = compileSchema(name, schema);

  return defineCodeEvaluator(name, (args) => {
    const output = readOutput(args.output, outputPath);
    if (!output.ok) return passFail(false, output.explanation);
    const parsed = parseOutput(output.value, options);
    if (!parsed.ok) return passFail(false, parsed.explanation);
    if (validate(parsed.value)) return passFail(true, "output matches the schema");
    const errors = (validate.errors ?? []).map(describeError);
    return passFail(false, `output does not match the schema: ${errors.slice(0, 5).join("; ")}${errors.length > 5 ? `; and ${errors.length - 5} more` : ""}`, {
      errors,
    });
  });
}

function compileSchema(name: string, schema: JsonSchemaDocument): ValidateFunction {
  if (typeof schema !== "boolean" && (schema === null || typeof schema !== "object" || Array.isArray(schema))) {
    throw new EvaluatorConfigError(name, `expected a JSON Schema object, got ${show(schema)}`);
  }
  const is2020 = typeof schema === "object" && typeof schema.$schema === "string" && schema.$schema.includes("2020-12");
  // strictSchema turns a misspelt keyword ("requried") into a declaration error instead of a schema that accepts anything.
  const ajvOptions = { allErrors: true, strictSchema: true, strictTypes: false, strictTuples: false, strictRequired: false } as const;
  const ajv = is2020 ? new Ajv2020(ajvOptions) : new Ajv(ajvOptions);
  addFormats(ajv as Ajv);
  try {
    return ajv.compile(schema);
  } catch (error) {
    throw new EvaluatorConfigError(name, `invalid JSON Schema: ${(error as Error).message}`);
  }
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === "" ? "output" : `output${error.instancePath}`;
  if (error.keyword === "additionalProperties") return `${where} has unexpected property "${String(error.params.additionalProperty)}"`;
  if (error.keyword === "enum") return `${where} must be one of ${show(error.params.allowedValues)}`;
  return `${where} ${error.message ?? "is invalid"}`;
}
