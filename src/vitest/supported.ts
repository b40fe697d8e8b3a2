/**
 * The Node and Vitest versions the package is proven on (CI runs the end-to-end suite on each:
 * scripts/matrix.mjs), and the start-up check that tells a user on anything else what is
 * supported in one message, instead of a stack trace from deep inside Vitest. Keep in step with
 * `engines` and `peerDependencies` in package.json and the README's "Supported versions".
 */
import { createRequire } from "node:module";

interface Version {
  major: number;
  minor: number;
  text: string;
}

/** A proven pair: this Node major with this Vitest major (from `minVitest` up). */
interface ProvenPair {
  node: number;
  minNode: string;
  vitest: number;
  minVitest: string;
}

export const PROVEN: readonly ProvenPair[] = [
  { node: 20, minNode: "20.19.0", vitest: 4, minVitest: "4.1.0" },
  { node: 22, minNode: "22.12.0", vitest: 5, minVitest: "5.1.0" },
  { node: 24, minNode: "24.0.0", vitest: 5, minVitest: "5.1.0" },
];

/** The oldest versions the package can work on at all: older ones stop with the message. */
const MIN_NODE = "20.19.0";
const MIN_VITEST = "4.1.0";

export const SUPPORTED_SUMMARY = "Node 20 with Vitest 4.1 or later 4.x, and Node 22 or 24 with Vitest 5.1 or later 5.x";

export type SupportVerdict =
  /** A proven combination. */
  | { kind: "proven" }
  /** Newer than or beside what is proven (Node 26, Vitest 6, Node 22 with Vitest 4): worth a warning, not a stop. */
  | { kind: "unproven"; message: string }
  /** Older than anything the package can run on (Node 18, Vitest 3): stop with this message. */
  | { kind: "unsupported"; message: string };

function parse(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.\d+/.exec(text.trim());
  return match ? { major: Number(match[1]), minor: Number(match[2]), text: text.trim().replace(/^v/, "") } : undefined;
}

function atLeast(version: Version, min: string): boolean {
  const floor = parse(min)!;
  return version.major > floor.major || (version.major === floor.major && version.minor >= floor.minor);
}

/**
 * Judges a Node version (`process.versions.node`) and, when known, the Vitest version the package
 * resolves (`undefined` when Vitest is not installed, e.g. for the CLI alone).
 */
export function judgeVersions(nodeVersion: string, vitestVersion: string | undefined): SupportVerdict {
  const node = parse(nodeVersion);
  const vitest = vitestVersion === undefined ? undefined : parse(vitestVersion);
  const found = `found Node ${node?.text ?? nodeVersion}${vitestVersion === undefined ? "" : ` with Vitest ${vitest?.text ?? vitestVersion}`}`;
  const tooOld = [
    ...(node && !atLeast(node, MIN_NODE) ? [`Node ${MIN_NODE} or later`] : []),
    ...(vitest && !atLeast(vitest, MIN_VITEST) ? [`Vitest ${MIN_VITEST} or later`] : []),
  ];
  if (tooOld.length > 0) {
    return { kind: "unsupported", message: `vitest-experiments needs ${tooOld.join(" and ")}: it supports ${SUPPORTED_SUMMARY} (${found}).` };
  }
  const proven = PROVEN.some((pair) => node?.major === pair.node && atLeast(node, pair.minNode) && (vitest === undefined || (vitest.major === pair.vitest && atLeast(vitest, pair.minVitest))));
  if (proven) return { kind: "proven" };
  return { kind: "unproven", message: `vitest-experiments is tested on ${SUPPORTED_SUMMARY}; ${found}, which may work but is not tested.` };
}

/** The version of the `vitest` this package imports (the user's install), or undefined when there is none. */
export function resolvedVitestVersion(): string | undefined {
  try {
    const version: unknown = (createRequire(import.meta.url)("vitest/package.json") as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

const WARNED = Symbol.for("vitest-experiments.version-warned");

/**
 * Checks the running Node and the resolved Vitest once per process: an unsupported version prints
 * the message and exits with code 1 before Vitest starts anything; an unproven one prints the
 * message once as a warning.
 */
export function enforceSupportedVersions({ vitest = true }: { vitest?: boolean } = {}): void {
  const verdict = judgeVersions(process.versions.node, vitest ? resolvedVitestVersion() : undefined);
  if (verdict.kind === "unsupported") {
    process.stderr.write(`\n${verdict.message}\n\n`);
    process.exit(1);
  }
  const global = globalThis as Record<symbol, boolean | undefined>;
  if (verdict.kind === "unproven" && !global[WARNED]) {
    global[WARNED] = true;
    process.stderr.write(`${verdict.message}\n`);
  }
}
