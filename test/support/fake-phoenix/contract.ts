import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

/**
 * Validates request bodies against Phoenix's OpenAPI 3.1 contract (`shared/phoenix/openapi.json`).
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, so Ajv's 2020 build compiles them as they are once
 * `components.schemas` is registered under the document's own `$ref` prefix.
 */

const here = dirname(fileURLToPath(import.meta.url));

/** Where the contract lives: `PHOENIX_OPENAPI`, else `../shared/phoenix/` beside the repository. */
export function findOpenApiFile(): string {
  const candidates = [
    process.env.PHOENIX_OPENAPI,
    resolve(here, "../../../../shared/phoenix/openapi.json"),
    "/work/shared/phoenix/openapi.json",
  ].filter((path): path is string => Boolean(path));
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(`Phoenix OpenAPI contract not found; looked in: ${candidates.join(", ")} (set PHOENIX_OPENAPI)`);
  }
  return found;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: object }> } }>>;
  components: { schemas: Record<string, object> };
}

export interface ContractViolation {
  method: string;
  path: string;
  errors: string[];
}

export interface Contract {
  /** Errors of a JSON body sent to `method path` (a concrete path), or [] when it conforms. */
  validateRequestBody(method: string, path: string, body: unknown): string[];
}

const SCHEMA_ID = "phoenix-openapi";
// ajv-formats is CJS with a default export; under NodeNext it arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;

let cached: Contract | undefined;

export function loadContract(file = findOpenApiFile()): Contract {
  if (cached && file === findOpenApiFile()) return cached;
  const document = JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument;
  // `strict: false`: the document carries OpenAPI keywords (`discriminator`, `example`) Ajv does not know.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: SCHEMA_ID, components: document.components });

  const routes = Object.entries(document.paths).map(([template, operations]) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    operations,
  }));
  const compiled = new Map<string, ValidateFunction>();

  function validatorFor(method: string, path: string): ValidateFunction | undefined {
    // A literal segment must win over a parameter (`/datasets/upload` vs `/datasets/{id}`).
    const route = routes
      .filter((candidate) => candidate.pattern.test(path))
      .sort((a, b) => literalLength(b.template) - literalLength(a.template))[0];
    const operation = route?.operations[method.toLowerCase()];
    const schema = operation?.requestBody?.content["application/json"]?.schema;
    if (!route || !schema) return undefined;
    const key = `${method.toUpperCase()} ${route.template}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(rewriteRefs(schema) as object);
      compiled.set(key, validate);
    }
    return validate;
  }

  cached = {
    validateRequestBody(method, path, body) {
      const validate = validatorFor(method, path);
      if (!validate) return [];
      if (validate(body)) return [];
      return (validate.errors ?? []).map((error) => `${error.instancePath || "(body)"} ${error.message ?? "is invalid"}`);
    },
  };
  return cached;
}

function literalLength(template: string): number {
  return template.replace(/\{[^}]+\}/g, "").length;
}

/** `#/components/schemas/X` → `phoenix-openapi#/components/schemas/X`, so refs resolve from any operation schema. */
function rewriteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (schema && typeof schema === "object") {
    return Object.fromEntries(
      Object.entries(schema).map(([key, value]) =>
        key === "$ref" && typeof value === "string" && value.startsWith("#/") ? [key, `${SCHEMA_ID}${value}`] : [key, rewriteRefs(value)],
      ),
    );
  }
  return schema;
}
