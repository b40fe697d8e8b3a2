import type { CliCommand } from "../command.js";
import { annotateCommand } from "./annotate.js";
import { baselineCommand } from "./baseline.js";
import { compareCommand } from "./compare.js";
import { deleteCommand } from "./delete.js";
import { exportCommand } from "./export.js";
import { listCommand } from "./list.js";
import { logCommand } from "./log.js";
import { mergeCommand } from "./merge.js";
import { phoenixCommand } from "./phoenix.js";
import { reportCommand } from "./report.js";
import { runsCommand } from "./runs.js";
import { showCommand } from "./show.js";
import { uploadCommand } from "./upload.js";

/** Every command of the CLI, in the order `--help` lists them. Add a command here. */
export const commands: readonly CliCommand[] = [listCommand, showCommand, runsCommand, compareCommand, reportCommand, exportCommand, deleteCommand, baselineCommand, mergeCommand, uploadCommand, logCommand, annotateCommand, phoenixCommand];
