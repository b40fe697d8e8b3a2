/** What the runner gives every workload. */
export interface WorkloadContext {
  /** With `--profile`: a directory for this workload's .cpuprofile files. */
  profileDir?: (workload: string) => string;
  log(text: string): void;
}
