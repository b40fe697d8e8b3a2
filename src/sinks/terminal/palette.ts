import { Chalk } from "chalk";

/** The few styles the summary uses; plain when colour is off (not a TTY, NO_COLOR, CI logs). */
export interface Palette {
  pass(text: string): string;
  fail(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  label(text: string): string;
}

export function createPalette(colors?: boolean): Palette {
  // chalk's own detection already honours NO_COLOR, FORCE_COLOR and whether stdout is a TTY.
  const chalk = colors === undefined ? new Chalk() : new Chalk({ level: colors ? 1 : 0 });
  return {
    pass: (t) => chalk.green(t),
    fail: (t) => chalk.red(t),
    warn: (t) => chalk.yellow(t),
    dim: (t) => chalk.dim(t),
    bold: (t) => chalk.bold(t),
    label: (t) => chalk.bgCyan.black(t),
  };
}
