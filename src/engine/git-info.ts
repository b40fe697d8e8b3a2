import { execFileSync } from "node:child_process";

let cached: { commit?: string; branch?: string } | undefined | null = null;

/** The commit and branch being evaluated, when the project is a git checkout; read once per process. */
export function gitInfo(cwd: string): { commit?: string; branch?: string } | undefined {
  if (cached !== null) return cached;
  const git = (args: string[]) => {
    try {
      return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 2000 }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const commit = git(["rev-parse", "HEAD"]);
  const branch = process.env.GITHUB_HEAD_REF || git(["rev-parse", "--abbrev-ref", "HEAD"]);
  cached = commit ? { commit, ...(branch && branch !== "HEAD" ? { branch } : {}) } : undefined;
  return cached;
}
