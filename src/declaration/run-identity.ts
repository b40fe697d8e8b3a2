export const RUN_ID_ENV = "VITEST_EXPERIMENTS_RUN_ID";

/**
 * The identity of one CI run, which every shard of it shares: `VITEST_EXPERIMENTS_RUN_ID`, else
 * the CI system's own run (and attempt, where the CI has retries of a whole run), else undefined.
 * Sinks that write to a shared server (Phoenix, Arize AX) key the one remote experiment of all
 * shards on it. A re-run of a failed CI run is a new attempt, so it gets a new experiment rather
 * than appending to the old one.
 */
export function resolveRunIdentity(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env[RUN_ID_ENV]?.trim();
  if (explicit) return explicit;
  const pick = (...names: string[]) => names.map((n) => env[n]?.trim()).filter((v): v is string => Boolean(v));
  // GitHub Actions: the workflow run and its attempt.
  if (env.GITHUB_RUN_ID) return ["github", ...pick("GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT")].join("-");
  // GitLab CI: the pipeline (a retried job stays in its pipeline, which is what shards share).
  if (env.CI_PIPELINE_ID) return `gitlab-${env.CI_PIPELINE_ID}`;
  // CircleCI: the workflow (parallel containers of one job, and several jobs, share it).
  if (env.CIRCLE_WORKFLOW_ID) return `circleci-${env.CIRCLE_WORKFLOW_ID}`;
  // Buildkite: the build, with its parallel jobs.
  if (env.BUILDKITE_BUILD_ID) return `buildkite-${env.BUILDKITE_BUILD_ID}`;
  // Azure Pipelines: the build (its attempts are per job, which shards do not share).
  if (env.BUILD_BUILDID) return `azure-${env.BUILD_BUILDID}`;
  // Jenkins: job name and build number.
  if (env.JENKINS_URL && env.BUILD_TAG) return `jenkins-${env.BUILD_TAG}`;
  return undefined;
}
