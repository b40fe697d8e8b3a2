/**
 * An empty Vitest config, which `experimentsProject()` names as its project's `extends`: the evals
 * project then inherits nothing from the config that declares it, on Vitest 4 (where inline
 * projects inherit nothing unless told to) and on Vitest 5 (where they inherit the declaring config
 * by default, so the root's `include` would be merged into the project's and a root `setupFiles`,
 * `environment` or `retry` would apply to experiments). A file path is the one `extends` value
 * both majors accept that means "not the root config".
 */
export default {};
