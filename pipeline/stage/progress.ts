/**
 * Progress reporting: a live bar on a TTY (cli-progress), plain lines otherwise (CI, logs).
 */
import cliProgress from "cli-progress";

/** Extra values shown beside the bar, e.g. `{ loss: 0.31 }`. */
export type ProgressInfo = Record<string, string | number>;

/** What a stage uses to report long work. */
export interface Progress {
  /** Starts a phase of `total` steps. */
  start(total: number, label: string): void;
  /** Reports `done` steps finished out of the phase's total. */
  update(done: number, info?: ProgressInfo): void;
  /** Ends the current phase. */
  stop(): void;
}

/** A reporter that ignores everything (tests, workers without output). */
export const silentProgress: Progress = {
  start() {},
  update() {},
  stop() {},
};

function formatInfo(info: ProgressInfo | undefined): string {
  if (!info) return "";
  return Object.entries(info)
    .map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : v}`)
    .join(" ");
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toFixed(4) : v.toExponential(3);
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
}

/** Options for `createProgress`. */
export interface ProgressOptions {
  /** Force plain lines (default: plain unless stderr is a TTY and CI is unset). */
  plain?: boolean;
  /** Minimum seconds between plain lines (default 5). */
  interval?: number;
  /** Where plain lines go (default: stderr). */
  write?: (line: string) => void;
}

/** Creates a reporter for one stage node, labelled with its id. */
export function createProgress(nodeId: string, options: ProgressOptions = {}): Progress {
  const plain = options.plain ?? (!Deno.stderr.isTerminal() || Deno.env.get("CI") !== undefined);
  return plain ? plainProgress(nodeId, options) : barProgress(nodeId);
}

function plainProgress(nodeId: string, options: ProgressOptions): Progress {
  const write = options.write ?? ((line: string) => console.error(line));
  const interval = (options.interval ?? 5) * 1000;
  let total = 0;
  let label = "";
  let t0 = 0;
  let last = 0;
  return {
    start(n, l) {
      total = n;
      label = l;
      t0 = performance.now();
      last = 0;
    },
    update(done, info) {
      const now = performance.now();
      if (done < total && now - last < interval) return;
      last = now;
      const elapsed = (now - t0) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : Infinity;
      write(
        `[${nodeId}] ${label} ${done}/${total} ${formatInfo(info)} elapsed=${
          formatEta(elapsed)
        } eta=${formatEta(eta)}`.replace(/ +/g, " "),
      );
    },
    stop() {},
  };
}

function barProgress(nodeId: string): Progress {
  let bar: cliProgress.SingleBar | null = null;
  return {
    start(total, label) {
      bar?.stop();
      bar = new cliProgress.SingleBar({
        format: `${nodeId} ${label} [{bar}] {value}/{total} {info} eta {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        stream: process.stderr,
      }, cliProgress.Presets.shades_classic);
      bar.start(total, 0, { info: "" });
    },
    update(done, info) {
      bar?.update(done, { info: formatInfo(info) });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
