import { describe, expect, it } from "vitest";
import {
  DEFAULT_FIELD_LIMIT,
  escapeMarkdownCell,
  oneLine,
  removeControlChars,
  removeXmlInvalidChars,
  safeJsonPreview,
  sanitizeText,
  stripAnsi,
  truncate,
} from "../../../src/sinks/text-safety.js";

const ESC = "\u001b";
const TEN_MB = 10 * 1024 * 1024;

describe("stripAnsi", () => {
  it.each([
    ["colours", `${ESC}[31mred${ESC}[0m ${ESC}[1;38;5;208mbold orange${ESC}[22m`, "red bold orange"],
    ["cursor moves and erases", `a${ESC}[2K${ESC}[1Ab${ESC}[10;20Hc`, "abc"],
    ["OSC 8 hyperlinks", `${ESC}]8;;https://example.com${ESC}\\link${ESC}]8;;${ESC}\\`, "link"],
    ["window titles ended by BEL", `${ESC}]0;title\u0007text`, "text"],
    ["8-bit CSI", "\u009b31mred\u009b0m", "red"],
    ["plain text", "no escapes here", "no escapes here"],
  ])("removes %s", (_, input, expected) => {
    expect(stripAnsi(input)).toBe(expected);
  });
});

describe("removeXmlInvalidChars", () => {
  it("removes the C0 controls XML 1.0 forbids and keeps tab, line feed and carriage return", () => {
    const allC0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("");
    expect(removeXmlInvalidChars(`a${allC0}b`)).toBe("a\t\n\rb");
  });

  it("removes U+FFFE and U+FFFF and keeps the rest of the BMP's private and special ranges", () => {
    expect(removeXmlInvalidChars("a\ufffe\uffffb\ufffd\ue000\u007f\u0085")).toBe("ab\ufffd\ue000\u007f\u0085");
  });

  it("removes lone surrogates and keeps well-formed pairs", () => {
    expect(removeXmlInvalidChars("high\ud800 low\udc00 pair\ud83d\ude00 reversed\ude00\ud83d end\ud800")).toBe("high low pair😀 reversed end");
    expect(removeXmlInvalidChars("\udc00\ud800\udc00")).toBe("\ud800\udc00");
  });

  it("handles 10 MB", () => {
    const text = "x".repeat(TEN_MB) + "\u0000";
    expect(removeXmlInvalidChars(text).length).toBe(TEN_MB);
  });
});

describe("removeControlChars", () => {
  it("removes C0 (but tab, LF, CR), DEL and C1 controls", () => {
    expect(removeControlChars("a\u0000\u0007\u001b\t\n\r\u007f\u0080\u009b\u009fb\u00a0")).toBe("a\t\n\rb\u00a0");
  });
});

describe("truncate", () => {
  it("returns text within the limit unchanged", () => {
    expect(truncate("hello", 5)).toBe("hello");
    expect(truncate("", 0)).toBe("");
  });

  it("cuts to the limit, marker included, and says how long the text was", () => {
    const result = truncate("a".repeat(100), 50);
    expect(result).toBe(`${"a".repeat(15)}…[truncated, 100 characters in all]`);
    expect(result.length).toBe(50);
  });

  it("accepts a fixed marker or one built from the original length", () => {
    expect(truncate("abcdefghij", 6, "...")).toBe("abc...");
    expect(truncate("abcdefghij", 6, (n) => `+${n}`)).toBe("abc+10");
  });

  it("cuts the marker itself when the limit is smaller than it", () => {
    expect(truncate("abcdefghij", 2, "...")).toBe("..");
    expect(truncate("abcdefghij", 0, "...")).toBe("");
  });

  it("never splits a surrogate pair", () => {
    const result = truncate("ab😀cdef", 4, "~");
    expect(result).toBe("ab~");
    expect(truncate("😀😀😀", 3, "")).toBe("😀");
  });

  it("cuts 10 MB to the limit", () => {
    const result = truncate("y".repeat(TEN_MB), DEFAULT_FIELD_LIMIT);
    expect(result.length).toBe(DEFAULT_FIELD_LIMIT);
    expect(result.endsWith(`…[truncated, ${TEN_MB} characters in all]`)).toBe(true);
  });

  it("rejects a limit that is not a non-negative integer", () => {
    expect(() => truncate("x", -1)).toThrow("truncate: the length limit must be a non-negative integer, got -1");
    expect(() => truncate("x", 1.5)).toThrow(RangeError);
  });
});

describe("oneLine", () => {
  it("collapses line breaks, tabs and runs of spaces and trims the ends", () => {
    expect(oneLine("  first\r\nsecond\n\n\tthird   fourth \u2028fifth  ")).toBe("first second third fourth fifth");
  });
});

describe("sanitizeText", () => {
  it("strips escapes, controls and XML-invalid characters, keeping line breaks", () => {
    expect(sanitizeText(`${ESC}[32mok${ESC}[0m\u0000 line\nnext \ud800\u009b`)).toBe("ok line\nnext ");
  });

  it("keeps ]]> (escaping it is the writer's job)", () => {
    expect(sanitizeText("a ]]> b")).toBe("a ]]> b");
  });

  it("bounds a 10 MB string by the limit, with the original length in the marker", () => {
    const huge = `${ESC}[31m${"z".repeat(TEN_MB)}`;
    const result = sanitizeText(huge, 1000);
    expect(result.length).toBe(1000);
    expect(result).toMatch(new RegExp(`^z+…\\[truncated, ${huge.length} characters in all\\]$`));
  });

  it("marks text cut before scanning even when what remains fits", () => {
    // Mostly escape sequences: the scanned prefix cleans down to less than the limit.
    const result = sanitizeText(`${ESC}[0m`.repeat(1000) + "tail", 100);
    expect(result).toBe("…[truncated, 4004 characters in all]");
  });

  it("keeps text that only fits once cleaned", () => {
    expect(sanitizeText(`${ESC}[1m${"a".repeat(10)}${ESC}[0m`, 10)).toBe("a".repeat(10));
  });
});

describe("escapeMarkdownCell", () => {
  it("keeps a cell one cell: pipes escaped, line breaks flattened", () => {
    expect(escapeMarkdownCell("a|b\nc\r\nd")).toBe("a\\|b c d");
  });

  it("writes HTML as text", () => {
    expect(escapeMarkdownCell("<img src=x onerror=alert(1)> & <!-- c -->")).toBe("&lt;img src=x onerror=alert(1)&gt; &amp; &lt;\\!-- c --&gt;");
  });

  it("escapes Markdown that would format or link", () => {
    expect(escapeMarkdownCell("*b* _i_ ~s~ `c` [l](u) ![i](u) # \\")).toBe("\\*b\\* \\_i\\_ \\~s\\~ \\`c\\` \\[l\\](u) \\!\\[i\\](u) \\# \\\\");
  });

  it("strips ANSI, controls and lone surrogates", () => {
    expect(escapeMarkdownCell(`${ESC}[31mred${ESC}[0m\u0000\ud800`)).toBe("red");
  });

  it("truncates before escaping, with a marker", () => {
    const result = escapeMarkdownCell("w".repeat(TEN_MB), 50);
    expect(result).toBe(`${"w".repeat(50 - "…[truncated, 10485760 characters in all]".length)}…\\[truncated, 10485760 characters in all\\]`);
  });
});

describe("safeJsonPreview", () => {
  it("renders JSON values as JSON.stringify does", () => {
    const value = { a: 1, b: [true, null, "x"], c: { d: -0.5 }, e: "quote\"d" };
    expect(safeJsonPreview(value)).toBe(JSON.stringify(value));
    expect(safeJsonPreview("text")).toBe('"text"');
    expect(safeJsonPreview(null)).toBe("null");
  });

  it("follows JSON.stringify for what JSON cannot hold", () => {
    expect(safeJsonPreview({ u: undefined, f() {}, s: Symbol("s"), n: NaN, i: Infinity, kept: 1 })).toBe('{"n":null,"i":null,"kept":1}');
    expect(safeJsonPreview([undefined, () => 1])).toBe("[null,null]");
    expect(safeJsonPreview(new Date("2025-01-01T00:00:00Z"))).toBe('"2025-01-01T00:00:00.000Z"');
  });

  it("never throws", () => {
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    expect(safeJsonPreview(circular)).toBe('{"name":"loop","self":"[Circular]"}');
    expect(safeJsonPreview({ big: 12345678901234567890n })).toBe('{"big":"12345678901234567890n"}');
    expect(safeJsonPreview(undefined)).toBe("undefined");
    expect(safeJsonPreview(function task() {})).toBe("[Function task]");
    expect(safeJsonPreview({ toJSON() { throw new Error("no"); } })).toBe('"[toJSON threw]"');
    const getter = Object.defineProperty({}, "bad", { enumerable: true, get() { throw new Error("no"); } });
    expect(safeJsonPreview(getter)).toBe('{"bad":"[getter threw]"}');
  });

  it("reuses a shared (non-circular) object", () => {
    const shared = { x: 1 };
    expect(safeJsonPreview({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it("escapes control characters, ANSI escapes and lone surrogates inside strings", () => {
    const preview = safeJsonPreview({ text: `${ESC}[31mred\u0000\ud800` });
    expect(preview).toBe('{"text":"\\u001b[31mred\\u0000\\ud800"}');
    expect(removeXmlInvalidChars(preview)).toBe(preview);
  });

  it("is bounded by the limit, however large the value", () => {
    const preview = safeJsonPreview({ output: "q".repeat(TEN_MB), more: Array.from({ length: 100_000 }, (_, i) => i) }, 100);
    expect(preview.length).toBe(100);
    expect(preview).toMatch(/^\{"output":"q+…\[truncated\]$/);
    expect(safeJsonPreview(Array.from({ length: 1_000_000 }, () => ({ k: "v" })), 30)).toBe('[{"k":"v"},{"k":"v…[truncated]');
  });

  it("stops at deep nesting", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const preview = safeJsonPreview(deep, 1000);
    expect(preview).toBe(`${"[".repeat(64)}"[…]"${"]".repeat(64)}`);
  });
});
