import { readFileSync } from "node:fs";

/** The part of a V8 .cpuprofile the summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  /** `name (file:line)`, with the file shortened to what follows node_modules/ or the repository. */
  where: string;
  selfMs: number;
  /** Share of all sampled time, 0–1. */
  share: number;
}

/** Self time by function, heaviest first: what a reader of RESULTS.md needs to see what bounds a workload. */
export function hotFunctions(profile: CpuProfile, top = 12): HotFunction[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byNode.get(id);
    if (!node) return;
    total += delta;
    const frame = node.callFrame;
    const key = `${frame.functionName || "(anonymous)"} (${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ""})`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
  });
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, us]) => ({ where, selfMs: us / 1000, share: total > 0 ? us / total : 0 }));
}

export function readCpuProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
}

function shortUrl(url: string): string {
  if (!url) return "native";
  const clean = url.replace(/^file:\/\//, "");
  const nm = clean.lastIndexOf("node_modules/");
  if (nm >= 0) return clean.slice(nm + "node_modules/".length);
  const dist = clean.indexOf("/dist/");
  if (dist >= 0) return clean.slice(dist + 1);
  return clean.split("/").slice(-2).join("/");
}
