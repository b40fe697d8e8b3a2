/**
 * Making user-controlled text (LLM outputs, evaluator explanations, error messages, example ids)
 * safe to put in a terminal, an XML report or a Markdown document.
 *
 * Every function here is pure and total: any string in (including 10 MB of text, lone surrogates
 * and raw escape sequences), a bounded, displayable string out. The local store keeps the
 * original text; these helpers only shape what people read.
 *
 * Lengths are counted in UTF-16 code units (JavaScript's `string.length`), which bounds both the
 * memory a sink keeps and the bytes it writes (at most 3 UTF-8 bytes per code unit).
 */
import stripAnsiEscapes from "strip-ansi";

/** Default cap for one field of a report (an output, an explanation, an error): 8 KB. */
export const DEFAULT_FIELD_LIMIT = 8 * 1024;

/** What replaces the cut-off tail: a fixed string, or one built from the original length. */
export type TruncationMarker = string | ((originalLength: number) => string);

/** `…[truncated, 10485760 characters in all]` */
export const defaultTruncationMarker = (originalLength: number): string =>
  `…[truncated, ${originalLength} characters in all]`;

/**
 * Removes ANSI escape sequences (colours, cursor moves, OSC hyperlinks and titles), which would
 * repaint a terminal or show up as garbage in a report.
 */
export function stripAnsi(text: string): string {
  return stripAnsiEscapes(text);
}

// XML 1.0 §2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// Surrogates are only legal as a well-formed pair (one astral character).
const XML_INVALID =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Removes every character XML 1.0 forbids: C0 controls other than tab, line feed and carriage
 * return; U+FFFE and U+FFFF; lone (unpaired) surrogates. A report with one of these is not
 * well-formed and CI report viewers reject the whole file.
 */
export function removeXmlInvalidChars(text: string): string {
  return text.replace(XML_INVALID, "");
}

// C0 controls except tab/LF/CR, DEL, and C1 controls (0x80–0x9F, which include the 8-bit CSI a
// terminal would act on). Legal in XML, but never meant to be displayed.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Removes control characters that a terminal acts on, keeping tab, line feed and carriage return. */
export function removeControlChars(text: string): string {
  return text.replace(CONTROL, "");
}

/**
 * Cuts `text` so that the result, marker included, is at most `max` code units long, never
 * splitting a surrogate pair. Text within the limit is returned unchanged. When `max` is smaller
 * than the marker, the marker itself is cut.
 */
export function truncate(text: string, max: number, marker: TruncationMarker = defaultTruncationMarker): string {
  assertLimit(max, "truncate");
  if (text.length <= max) return text;
  return cutWithMarker(text, max, marker, text.length);
}

function cutWithMarker(text: string, max: number, marker: TruncationMarker, originalLength: number): string {
  const tail = typeof marker === "string" ? marker : marker(originalLength);
  if (tail.length >= max) return keepWholeCharacters(tail, max);
  return keepWholeCharacters(text, max - tail.length) + tail;
}

/** The first `count` code units of `text`, one fewer when that would split a surrogate pair. */
function keepWholeCharacters(text: string, count: number): string {
  if (count <= 0) return "";
  if (text.length <= count) return text;
  const last = text.charCodeAt(count - 1);
  const splitsPair = last >= 0xd800 && last <= 0xdbff;
  return text.slice(0, splitsPair ? count - 1 : count);
}

/**
 * Collapses every run of whitespace (line breaks and tabs included) into one space and trims the
 * ends: for table cells, headings, attribute-like one-line fields.
 */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * The one-stop cleaning for displayed text: ANSI sequences, control characters and XML-invalid
 * characters removed, then truncated to `max` with a marker. Work is bounded by `max`, not by the
 * input's size: a 10 MB string is cut before it is scanned.
 */
export function sanitizeText(text: string, max: number = DEFAULT_FIELD_LIMIT, marker: TruncationMarker = defaultTruncationMarker): string {
  assertLimit(max, "sanitizeText");
  // Escape sequences and controls only ever shrink the text, so scanning a prefix a little
  // longer than `max` is enough to fill `max` with clean characters in all realistic cases.
  const scanLimit = max * 2 + 256;
  const prefixOnly = text.length > scanLimit;
  const scanned = prefixOnly ? keepWholeCharacters(text, scanLimit) : text;
  const clean = removeXmlInvalidChars(removeControlChars(stripAnsi(scanned)));
  if (!prefixOnly && clean.length <= max) return clean;
  return cutWithMarker(clean, max, marker, text.length);
}

/**
 * Makes user text safe inside one cell of a GitHub-flavoured Markdown table (and in headings and
 * list items): cleaned and put on one line, truncated to `max`, then HTML (`< > &`) written as
 * entities so no tag or comment can open, and Markdown punctuation (`| \ * _ ~ [ ] ` and
 * backticks) backslash-escaped so no cell can split, no link or emphasis can start.
 */
export function escapeMarkdownCell(text: string, max = 200): string {
  const clean = oneLine(sanitizeText(text, max));
  return clean.replace(/[&<>]/g, (c) => HTML_ENTITIES[c]!).replace(/[\\|*_~[\]`#!]/g, "\\$&");
}

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/**
 * A bounded JSON rendering of any value for previews (task outputs in failure messages): never
 * throws, never walks more than it shows. Circular references become `"[Circular]"`, BigInts
 * `"123n"`, functions and symbols behave as in `JSON.stringify` (dropped from objects, `null` in
 * arrays, a `[Function name]` placeholder at the top level); `toJSON` is honoured. Strings inside
 * are JSON-escaped, so control characters and lone surrogates come out as `\uXXXX`.
 */
export function safeJsonPreview(value: unknown, max: number = DEFAULT_FIELD_LIMIT, marker: TruncationMarker = "…[truncated]"): string {
  assertLimit(max, "safeJsonPreview");
  const writer = new BoundedWriter(max);
  writeJson(value, writer, [], 0, true);
  const text = writer.text();
  return writer.overflowed ? cutWithMarker(text, max, marker, text.length) : text;
}

/** Nesting deeper than this is shown as `"[…]"`, keeping the walk's recursion shallow. */
const MAX_PREVIEW_DEPTH = 64;

class BoundedWriter {
  private readonly parts: string[] = [];
  private length = 0;
  overflowed = false;
  constructor(private readonly max: number) {}
  get full(): boolean {
    return this.overflowed;
  }
  write(chunk: string): void {
    if (this.overflowed) return;
    const room = this.max - this.length;
    if (chunk.length > room) {
      this.parts.push(chunk.slice(0, room));
      this.length = this.max;
      this.overflowed = true;
      return;
    }
    this.parts.push(chunk);
    this.length += chunk.length;
  }
  /** Room left, plus one so a caller can tell "exactly full" from "overflowing". */
  get room(): number {
    return this.max - this.length + 1;
  }
  text(): string {
    return this.parts.join("");
  }
}

function writeJson(value: unknown, out: BoundedWriter, ancestors: object[], depth: number, topLevel: boolean): void {
  if (out.full) return;
  let current = value;
  if (current !== null && typeof current === "object" && typeof (current as { toJSON?: unknown }).toJSON === "function") {
    try {
      current = (current as { toJSON(): unknown }).toJSON();
    } catch {
      out.write('"[toJSON threw]"');
      return;
    }
  }
  switch (typeof current) {
    case "string":
      // Only the part that can be shown is escaped: a 10 MB string costs no more than a short one.
      out.write(JSON.stringify(current.length > out.room ? current.slice(0, out.room) : current));
      return;
    case "number":
      out.write(Number.isFinite(current) ? JSON.stringify(current) : "null");
      return;
    case "boolean":
      out.write(String(current));
      return;
    case "bigint":
      out.write(`"${current}n"`);
      return;
    case "undefined":
      out.write(topLevel ? "undefined" : "null");
      return;
    case "function":
      out.write(topLevel ? `[Function ${current.name || "anonymous"}]` : "null");
      return;
    case "symbol":
      out.write(topLevel ? current.toString() : "null");
      return;
  }
  if (current === null) {
    out.write("null");
    return;
  }
  const object = current as object;
  if (ancestors.includes(object)) {
    out.write('"[Circular]"');
    return;
  }
  if (depth >= MAX_PREVIEW_DEPTH) {
    out.write('"[…]"');
    return;
  }
  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      out.write("[");
      for (let i = 0; i < object.length && !out.full; i++) {
        if (i > 0) out.write(",");
        writeJson(object[i], out, ancestors, depth + 1, false);
      }
      out.write("]");
      return;
    }
    out.write("{");
    let first = true;
    for (const key of Object.keys(object)) {
      if (out.full) break;
      const child = readProperty(object, key);
      if (child === undefined || typeof child === "function" || typeof child === "symbol") continue;
      if (!first) out.write(",");
      first = false;
      out.write(JSON.stringify(key.length > out.room ? key.slice(0, out.room) : key) + ":");
      writeJson(child, out, ancestors, depth + 1, false);
    }
    out.write("}");
  } finally {
    ancestors.pop();
  }
}

/** Getters can throw; a preview shows that instead of failing. */
function readProperty(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return "[getter threw]";
  }
}

function assertLimit(max: number, where: string): void {
  if (!Number.isInteger(max) || max < 0) {
    throw new RangeError(`${where}: the length limit must be a non-negative integer, got ${String(max)}`);
  }
}
