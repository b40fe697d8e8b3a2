/**
 * Reads OTLP/HTTP protobuf trace exports (`ExportTraceServiceRequest`) well enough for tests: the
 * resource attributes and each span's ids, name, attributes and status. A minimal protobuf wire
 * reader: the fields used here are length-delimited messages, strings, bytes and varints.
 */

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, string | number | boolean>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

export interface DecodedResourceSpans {
  resource: Record<string, string | number | boolean>;
  spans: DecodedSpan[];
}

type Field = { number: number; wire: number; value: bigint | Buffer };

function readVarint(buffer: Buffer, offset: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const byte = buffer[offset++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, offset];
    shift += 7n;
  }
}

function fields(buffer: Buffer): Field[] {
  const out: Field[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const [key, next] = readVarint(buffer, offset);
    offset = next;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [value, after] = readVarint(buffer, offset);
      out.push({ number, wire, value });
      offset = after;
    } else if (wire === 1) {
      out.push({ number, wire, value: buffer.subarray(offset, offset + 8) });
      offset += 8;
    } else if (wire === 2) {
      const [length, after] = readVarint(buffer, offset);
      out.push({ number, wire, value: buffer.subarray(after, after + Number(length)) });
      offset = after + Number(length);
    } else if (wire === 5) {
      out.push({ number, wire, value: buffer.subarray(offset, offset + 4) });
      offset += 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
  return out;
}

const bytesOf = (f: Field[], n: number) => f.filter((x) => x.number === n).map((x) => x.value as Buffer);

function anyValue(buffer: Buffer): string | number | boolean {
  const [field] = fields(buffer);
  if (!field) return "";
  if (field.number === 1) return (field.value as Buffer).toString("utf8");
  if (field.number === 2) return field.value !== 0n;
  if (field.number === 3) return Number(field.value as bigint);
  if (field.number === 4) return (field.value as Buffer).readDoubleLE(0);
  return (field.value as Buffer).toString("hex");
}

function attributes(buffers: Buffer[]): Record<string, string | number | boolean> {
  return Object.fromEntries(
    buffers.map((kv) => {
      const f = fields(kv);
      return [bytesOf(f, 1)[0]?.toString("utf8") ?? "", anyValue(bytesOf(f, 2)[0] ?? Buffer.alloc(0))];
    }),
  );
}

export function decodeTraceExport(body: Buffer): DecodedResourceSpans[] {
  return bytesOf(fields(body), 1).map((resourceSpans) => {
    const rs = fields(resourceSpans);
    const resource = attributes(bytesOf(fields(bytesOf(rs, 1)[0] ?? Buffer.alloc(0)), 1));
    const spans = bytesOf(rs, 2).flatMap((scopeSpans) =>
      bytesOf(fields(scopeSpans), 2).map((span): DecodedSpan => {
        const f = fields(span);
        const status = fields(bytesOf(f, 15)[0] ?? Buffer.alloc(0)).find((x) => x.number === 3);
        return {
          traceId: (bytesOf(f, 1)[0] ?? Buffer.alloc(0)).toString("hex"),
          spanId: (bytesOf(f, 2)[0] ?? Buffer.alloc(0)).toString("hex"),
          parentSpanId: (bytesOf(f, 4)[0] ?? Buffer.alloc(0)).toString("hex"),
          name: (bytesOf(f, 5)[0] ?? Buffer.alloc(0)).toString("utf8"),
          attributes: attributes(bytesOf(f, 9)),
          statusCode: status ? Number(status.value as bigint) : 0,
        };
      }),
    );
    return { resource, spans };
  });
}
