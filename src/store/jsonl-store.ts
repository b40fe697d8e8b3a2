import { constants } from "node:fs";
import { mkdir, open, readdir, readFile, unlink, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import pLimit, { type LimitFunction } from "p-limit";
import type { ExperimentDescriptor, ExperimentResult, RunRecord } from "../record/types.js";
import { StoreError, errorCode, unwritableStoreError } from "./errors.js";
import { LOG_FORMAT_VERSION, parseLog, serializeLine, type LogLine, type LogProblem } from "./log-format.js";
import { experimentLogPath, experimentsDir } from "./paths.js";
import type { ExperimentStore, StoreEvent, StoredExperiment, StoredExperimentSummary } from "./types.js";

/** A stored experiment as this store reads it back: where it lives and which lines it could not read. */
export interface JsonlStoredExperiment extends StoredExperiment {
  file: string;
  problems: LogProblem[];
}

export interface JsonlStoredExperimentSummary extends StoredExperimentSummary {
  file: string;
  problems: LogProblem[];
}

export interface JsonlExperimentStore extends ExperimentStore {
  listExperiments(filter?: { name?: string; dataset?: string }): Promise<JsonlStoredExperimentSummary[]>;
  readExperiment(idOrName: string): Promise<JsonlStoredExperiment | undefined>;
}

/**
 * Opens (lazily: nothing touches the disk until the first write) the append-only JSON Lines store
 * in `dir`: `<dir>/experiments/<id>.jsonl` per experiment, and a `.gitignore` so it is never
 * committed by accident.
 *
 * Each record is one line appended with one write on a file opened in append mode, so a process
 * killed at any moment leaves every completed line intact; an incomplete last line is reported
 * and skipped on read. Each experiment has one writer; readers never lock and may run while it writes.
 */
export function openStore(dir: string): JsonlExperimentStore {
  return new JsonlStore(dir);
}

class JsonlStore implements JsonlExperimentStore {
  /** One queue per experiment: its records reach the file in the order they were handed over. */
  private readonly queues = new Map<string, { limit: LimitFunction; writer?: LogWriter }>();
  private ready: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  startExperiment(experiment: ExperimentDescriptor): Promise<void> {
    return this.enqueue(experiment.id, async (slot) => {
      await this.ensureDir();
      const path = experimentLogPath(this.dir, experiment.id);
      slot.writer = await LogWriter.create(this.dir, path, experiment.id);
      await slot.writer.append({ type: "experiment", format: LOG_FORMAT_VERSION, experiment });
    });
  }

  appendRun(run: RunRecord): Promise<void> {
    return this.write(run.experimentId, { type: "run", run });
  }

  appendEvent(experimentId: string, event: StoreEvent): Promise<void> {
    return this.write(experimentId, { type: "event", event });
  }

  async finishExperiment(result: ExperimentResult): Promise<void> {
    const id = result.experiment.id;
    await this.enqueue(id, async (slot) => {
      const writer = slot.writer ?? (await this.reopen(id));
      await writer.append({ type: "end", result });
      await writer.close();
      slot.writer = undefined;
    });
  }

  async listExperiments(filter: { name?: string; dataset?: string } = {}): Promise<JsonlStoredExperimentSummary[]> {
    let names: string[];
    try {
      names = await readdir(experimentsDir(this.dir));
    } catch (error) {
      // ENOTDIR: a part of the path is a file, so no store can be there (like ENOENT).
      if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return [];
      throw new StoreError(`Cannot read the experiment store at ${this.dir}: ${(error as Error).message}`, this.dir, errorCode(error), { cause: error });
    }
    const limit = pLimit(8);
    const read = await Promise.all(
      names.filter((name) => name.endsWith(".jsonl")).map((name) => limit(() => this.readLog(join(experimentsDir(this.dir), name), { summaryOnly: true }))),
    );
    return read
      .filter((stored): stored is JsonlStoredExperiment => stored !== undefined)
      .filter((s) => filter.name === undefined || s.experiment.name === filter.name)
      .filter((s) => filter.dataset === undefined || s.experiment.dataset.name === filter.dataset)
      .sort(newestFirst)
      .map(({ runs: _runs, events: _events, ...summary }) => summary);
  }

  async readExperiment(idOrName: string): Promise<JsonlStoredExperiment | undefined> {
    const byId = await this.readLog(experimentLogPath(this.dir, idOrName));
    if (byId) return byId;
    const [latest] = await this.listExperiments({ name: idOrName });
    return latest ? this.readLog(latest.file) : undefined;
  }

  async deleteExperiment(id: string): Promise<boolean> {
    return this.enqueue(id, async (slot) => {
      await slot.writer?.close();
      slot.writer = undefined;
      try {
        await unlink(experimentLogPath(this.dir, id));
        return true;
      } catch (error) {
        if (errorCode(error) === "ENOENT") return false;
        throw unwritableStoreError(this.dir, experimentLogPath(this.dir, id), error);
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.queues.values()].map((slot) =>
        slot.limit(async () => {
          await slot.writer?.close();
          slot.writer = undefined;
        }),
      ),
    );
  }

  private write(experimentId: string, line: LogLine): Promise<void> {
    return this.enqueue(experimentId, async (slot) => {
      slot.writer ??= await this.reopen(experimentId);
      await slot.writer.append(line);
    });
  }

  private enqueue<T>(experimentId: string, job: (slot: { limit: LimitFunction; writer?: LogWriter }) => Promise<T>): Promise<T> {
    let slot = this.queues.get(experimentId);
    if (!slot) {
      slot = { limit: pLimit(1) };
      this.queues.set(experimentId, slot);
    }
    const current = slot;
    return current.limit(() => job(current));
  }

  /** Continues an experiment this process did not start (a later upload appending its events). */
  private async reopen(experimentId: string): Promise<LogWriter> {
    const path = experimentLogPath(this.dir, experimentId);
    const writer = await LogWriter.reopen(this.dir, path);
    if (!writer) {
      throw new StoreError(
        `Experiment ${JSON.stringify(experimentId)} is not in the store at ${this.dir} (no ${path}); startExperiment must come before its runs and events.`,
        path,
      );
    }
    return writer;
  }

  private ensureDir(): Promise<void> {
    this.ready ??= (async () => {
      const folder = experimentsDir(this.dir);
      try {
        await mkdir(folder, { recursive: true });
      } catch (error) {
        throw unwritableStoreError(this.dir, folder, error);
      }
      try {
        await writeFile(join(this.dir, ".gitignore"), "# Written by vitest-experiments: the local experiment store is not meant to be committed.\n*\n", { flag: "wx" });
      } catch (error) {
        if (errorCode(error) !== "EEXIST") throw unwritableStoreError(this.dir, join(this.dir, ".gitignore"), error);
      }
    })().catch((error: unknown) => {
      this.ready = undefined; // let a later experiment try again (the disk may have been freed)
      throw error;
    });
    return this.ready;
  }

  private async readLog(file: string, options: { summaryOnly?: boolean } = {}): Promise<JsonlStoredExperiment | undefined> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR" || errorCode(error) === "ENAMETOOLONG") return undefined;
      throw new StoreError(`Cannot read ${file}: ${(error as Error).message}`, file, errorCode(error), { cause: error });
    }
    const log = parseLog(text, options);
    if (!log.experiment) return undefined;
    return {
      experiment: log.experiment,
      ...(log.result ? { result: log.result } : {}),
      runCount: log.runCount,
      status: log.result?.status ?? "incomplete",
      runs: log.runs,
      events: log.events,
      file,
      problems: log.problems,
    };
  }
}

function newestFirst(a: StoredExperimentSummary, b: StoredExperimentSummary): number {
  const byTime = b.experiment.startTime.localeCompare(a.experiment.startTime);
  return byTime !== 0 ? byTime : b.experiment.id.localeCompare(a.experiment.id);
}

/** An experiment's log file, opened for appending. */
class LogWriter {
  private constructor(
    private readonly storeDir: string,
    private readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** A new log; fails if the id is already taken, so two experiments never share one file. */
  static async create(storeDir: string, path: string, experimentId: string): Promise<LogWriter> {
    try {
      return new LogWriter(storeDir, path, await open(path, "ax"));
    } catch (error) {
      if (errorCode(error) === "EEXIST") {
        throw new StoreError(`Experiment id ${JSON.stringify(experimentId)} is already in the store (${path}); experiment ids must be unique.`, path, "EEXIST");
      }
      throw unwritableStoreError(storeDir, path, error);
    }
  }

  /** An existing log, or undefined when there is none. Terminates a torn last line first. */
  static async reopen(storeDir: string, path: string): Promise<LogWriter | undefined> {
    let handle: FileHandle;
    try {
      // Append mode without O_CREAT: a missing log stays missing.
      handle = await open(path, constants.O_RDWR | constants.O_APPEND);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return undefined;
      throw unwritableStoreError(storeDir, path, error);
    }
    const writer = new LogWriter(storeDir, path, handle);
    const { size } = await handle.stat();
    if (size === 0) {
      // Created but its header never written: not an experiment yet.
      await handle.close();
      return undefined;
    }
    // A line torn by a killed writer would swallow our first record: end it, so that only it is lost.
    const lastByte = Buffer.alloc(1);
    await handle.read(lastByte, 0, 1, size - 1);
    if (lastByte[0] !== 0x0a) await writer.appendText("\n");
    return writer;
  }

  append(line: LogLine): Promise<void> {
    let text: string;
    try {
      text = serializeLine(line);
    } catch (error) {
      const what = line.type === "run" ? `run ${line.run.runId}` : `${line.type} record`;
      throw new StoreError(`Cannot store ${what} in ${this.path}: it is not JSON-serializable (${(error as Error).message}).`, this.path, undefined, { cause: error });
    }
    return this.appendText(text);
  }

  private async appendText(text: string): Promise<void> {
    const bytes = Buffer.from(text, "utf8");
    try {
      // One write for the whole line in the common case; the loop only covers a short write.
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
    } catch (error) {
      throw unwritableStoreError(this.storeDir, this.path, error);
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
