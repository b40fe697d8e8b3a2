/**
 * Reading a JUnit report back the way CI consumers do: schema validation with libxml2 (xmllint,
 * compiled to wasm) against Jenkins' junit-10.xsd, and parsing with a real XML parser.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { validateXML } from "xmllint-wasm";

const SCHEMA = readFileSync(fileURLToPath(new URL("./fixtures/junit-10.xsd", import.meta.url)), "utf8");

/**
 * junit-10.xsd has no `<properties>` inside `<testcase>`; per-test-case properties are a
 * widespread extension that viewers read or ignore (see shared/junit/SOURCE.md). They are set
 * aside before validating; everything else must match the schema.
 */
export function withoutTestCaseProperties(xml: string): string {
  // Attribute values may hold a literal `>` (XML only requires `<` and `&` to be escaped there).
  return xml.replace(/(<testcase\b(?:[^>"]|"[^"]*")*>\s*)<properties>[\s\S]*?<\/properties>\s*/g, "$1");
}

export async function schemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: "report.xml", contents: withoutTestCaseProperties(xml) }],
    schema: [{ fileName: "junit-10.xsd", contents: SCHEMA }],
    initialMemoryPages: 4096,
    maxMemoryPages: 16384,
  });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}

export interface ParsedProperty {
  name: string;
  value: string;
}
export interface ParsedCase {
  name: string;
  classname: string;
  time?: string;
  properties?: { property: ParsedProperty[] };
  failure?: { message?: string; type?: string; "#text"?: string } | "";
  skipped?: unknown;
  "system-out"?: string;
}
export interface ParsedSuite {
  name: string;
  tests: string;
  failures: string;
  errors: string;
  skipped: string;
  timestamp?: string;
  time?: string;
  properties?: { property: ParsedProperty[] };
  testcase: ParsedCase[];
}
export interface ParsedReport {
  testsuites: { name: string; tests: string; failures: string; errors: string; skipped: string; testsuite?: ParsedSuite[] };
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  // Decodes numeric character references (`&#xA;` in attributes) like any XML parser must.
  htmlEntities: true,
  isArray: (name) => name === "testsuite" || name === "testcase" || name === "property",
});

export function parseReport(xml: string): ParsedReport {
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) throw new Error(`report is not well-formed: ${JSON.stringify(wellFormed.err)}`);
  return parser.parse(xml) as ParsedReport;
}

export function propertiesOf(node: { properties?: { property: ParsedProperty[] } }): Record<string, string> {
  return Object.fromEntries((node.properties?.property ?? []).map((p) => [p.name, p.value]));
}

export function failureText(testCase: ParsedCase): string {
  const failure = testCase.failure;
  return typeof failure === "object" ? (failure["#text"] ?? "") : "";
}
