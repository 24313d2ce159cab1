/**
 * The `bundle` command and `verify --bundle`: the CLI side of pipeline/bundle/bundle.ts and
 * pipeline/bundle/verify.ts.
 */
import type { Command } from "@commander-js/extra-typings";
import { relative } from "node:path";
import { join } from "node:path";
import {
  type BundleInfo,
  bundleInfoSchema,
  createBundle,
  DEFAULT_SMALL_BYTES,
} from "../bundle/bundle.ts";
import { diffFails, diffMetrics, formatDiff } from "../metrics/diff.ts";
import { readProvenance } from "../metrics/runs.ts";
import { type BundleVerifyReport, verifyBundle, verifyBundleDir } from "../bundle/verify.ts";
import { DEFAULT_LIMITS, extractTarGz } from "../bundle/archive.ts";
import { CodeHasher } from "../graph/code_hash.ts";
import { targetOptions, toTargetOptions, userCwd, userPath, withTargetOptions } from "./options.ts";
import type { Project, Target, TargetOption, TargetOptions } from "../graph/project.ts";
import { Store } from "../store/store.ts";
import { lstatOrNull } from "../stage/absent.ts";
import type { RerunRequest } from "../bundle/recheck.ts";
import { executeHere } from "../run/execute.ts";
import { silentProgress } from "../stage/progress.ts";
import type { Stage } from "../stage/stage.ts";

/** Human-readable size. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function byteCount(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} expects a byte count, got "${v}"`);
  return n;
}

/** Adds `bundle` to the CLI. */
export function registerBundleCommands(program: Command, p: Project): void {
  withTargetOptions(
    p,
    program.command("bundle")
      .description(
        "pack the target's last run (results, manifests, state, small store outputs) into a .tar.gz",
      ),
  )
    .option("--out <file>", "archive to write (default: <tool>-<target>.tar.gz here)")
    .option("--with-store", "include every store output, however large")
    .option(
      "--small-bytes <n>",
      `largest store output included without --with-store (default ${DEFAULT_SMALL_BYTES})`,
      (v) => byteCount(v, "--small-bytes"),
    )
    .option(
      "--sign <key>",
      "sign the bundle's root with this SSH private key (ssh-keygen -Y sign; ROOT.sig)",
    )
    .action(async (f) => {
      const targetOptions = toTargetOptions(p, f);
      const target = await p.resolveTarget(targetOptions);
      const out = userPath(
        f.out ?? `${p.name}-${target.name.replace(/[^A-Za-z0-9_.+-]/g, "_")}.tar.gz`,
      );
      const s = await createBundle(p, target, new Store(p.artifactsRoot), {
        out,
        targetOptions,
        withStore: f.withStore ?? false,
        smallBytes: f.smallBytes,
        ...(f.sign ? { signKey: userPath(f.sign) } : {}),
      });
      for (const o of s.omitted) {
        console.log(`  left out ${o.node}: ${o.output} (${formatBytes(o.size)}, store/${o.key})`);
      }
      const left = s.omitted.reduce((a, o) => a + o.size, 0);
      console.log(
        `bundled ${target.name}: ${s.entries} store entries, ${s.files} files, ` +
          `${formatBytes(s.bytes)} -> ${formatBytes(s.archiveBytes)} compressed` +
          (s.omitted.length > 0
            ? `; left out ${s.omitted.length} store outputs, ${formatBytes(left)} ` +
              `(--with-store includes them)`
            : ""),
      );
      console.log(`bundle: ${relative(userCwd(), out) || out}`);
      console.log(
        `root: ${s.root}${s.signed ? " (signed, ROOT.sig)" : ""}: publish it with the results; ` +
          `"verify --bundle FILE --expect-root ${s.root.slice(0, 12)}..." refuses any other bundle`,
      );
    });
}

/** Options of {@link runVerifyBundle}. */
export interface VerifyBundleCliOptions {
  json?: boolean;
  maxBytes?: number;
  /** The published root digest. */
  expectRoot?: string;
  /** An `allowed_signers` file that must vouch for `ROOT.sig`. */
  allowedSigners?: string;
  /** Entries rerun at random, beyond the project's cheap stages. */
  rerun?: number;
  /** Stages or node ids rerun on request. */
  rerunStage?: string[];
}

/**
 * `verify --bundle FILE`: verifies a bundle; inside the project's checkout also compares each
 * stage's code fingerprint. Returns the exit code (1 when there is a problem).
 */
export async function runVerifyBundle(
  p: Project,
  file: string,
  opts: VerifyBundleCliOptions,
): Promise<number> {
  const cwd = userCwd();
  const inCheckout = cwd === p.root || cwd.startsWith(p.root + "/");
  const wantsRerun = (opts.rerun ?? 0) > 0 || (opts.rerunStage ?? []).length > 0;
  if (wantsRerun && !inCheckout) {
    throw new Error("--rerun and --rerun-stage need the project's checkout: run inside it");
  }
  const report = await verifyBundle(userPath(file), {
    limits: { ...DEFAULT_LIMITS, maxBytes: opts.maxBytes ?? DEFAULT_LIMITS.maxBytes },
    checkout: inCheckout
      ? { root: p.root, hasher: await CodeHasher.load([p.entry], p.root) }
      : undefined,
    ...(opts.expectRoot ? { expectRoot: opts.expectRoot } : {}),
    ...(opts.allowedSigners ? { allowedSigners: userPath(opts.allowedSigners) } : {}),
    ...(inCheckout
      ? {
        rerun: {
          cheap: p.recheck ?? [],
          named: opts.rerunStage ?? [],
          random: opts.rerun ?? 0,
          run: runStageHere,
        },
      }
      : {}),
  });
  if (opts.json) console.log(JSON.stringify(report, null, 2));
  else printBundleReport(report, inCheckout);
  return report.problems.length > 0 ? 1 : 0;
}

/** Runs a stage in this process, quietly, without checkpoints (a rerun from a bundle). */
export async function runStageHere(stage: Stage, req: RerunRequest): Promise<void> {
  await executeHere(stage, [{
    moduleUrl: stage.module,
    exportName: "",
    nodeId: req.nodeId,
    params: req.params,
    inputs: req.inputs,
    outDir: req.outDir,
    seed: req.seed,
    checkpoint: {
      path: join(req.outDir, "..", `${req.key}.ckpt`),
      key: req.key,
      policy: { enabled: false },
    },
    ...(req.inputManifests ? { inputManifests: req.inputManifests } : {}),
  }], [{ progress: silentProgress, log: () => {}, signal: new AbortController().signal }]);
}

function printBundleReport(r: BundleVerifyReport, inCheckout: boolean): void {
  for (const pr of r.problems) console.error(`${pr.file}: ${pr.problem}`);
  if (r.root) console.log(`root ${r.root}${r.signer ? `, signed by ${r.signer}` : ""}`);
  for (const x of r.reruns ?? []) {
    console.log(
      `  rerun ${x.status.padEnd(7)}  ${x.node} (${x.stage}, ${x.why})` +
        (x.detail ? `: ${x.detail}` : ""),
    );
  }
  if (r.reruns) {
    const done = r.reruns.filter((x) => x.status === "same" || x.status === "differs");
    console.log(
      `reran ${done.length} stage(s) from their bundled inputs: ` +
        `${done.filter((x) => x.status === "same").length} byte-identical`,
    );
  }
  if (r.info) {
    const g = r.info.git;
    console.log(
      `bundle of ${r.info.target} (${r.info.tool}), made ${r.info.createdAt} at commit ` +
        `${g.commit ?? "unknown"}${g.dirty ? " (with uncommitted changes)" : ""}`,
    );
  }
  if (r.code) {
    const differ = r.code.filter((c) => !c.same);
    for (const c of r.code) {
      const what = c.same
        ? "same code"
        : c.checkout === null
        ? `module ${c.module} not in this checkout`
        : `code differs (${c.changed.join(", ")})`;
      console.log(`  ${c.same ? "same   " : "DIFFERS"}  ${c.stage}: ${what}`);
    }
    console.log(
      differ.length === 0
        ? `this checkout's code matches the bundle's for all ${r.code.length} stages`
        : `${differ.length} of ${r.code.length} stages' code differs from this checkout's`,
    );
  } else if (!inCheckout) {
    console.log("not run inside the checkout: code fingerprints not compared");
  }
  console.log(
    `verified ${r.entries} entries, ${r.files} files, ${formatBytes(r.bytes)}: ` +
      `${r.problems.length} problem(s)`,
  );
}

/** An unpacked bundle in a temporary folder; `close` removes the folder. */
export interface OpenedBundle {
  dir: string;
  info: BundleInfo;
  close(): Promise<void>;
}

/** Largest `bundle.json` read from an untrusted bundle. */
export const MAX_BUNDLE_INFO_BYTES = 16 * 2 ** 20;
/** Longest target option value taken from a bundle. */
export const MAX_BUNDLE_OPTION_CHARS = 256;
/** Most values of a repeatable target option taken from a bundle. */
export const MAX_BUNDLE_OPTION_VALUES = 64;

/**
 * Unpacks an untrusted bundle (safely, with the default limits), verifies it (verify.ts: every
 * file against `SHA256SUMS`, keys, graph) and only then reads its `bundle.json` (a regular file of
 * at most {@link MAX_BUNDLE_INFO_BYTES}). A bundle with any problem is refused, naming the first.
 */
export async function openBundle(file: string): Promise<OpenedBundle> {
  const dir = await Deno.makeTempDir({ prefix: "bundle-" });
  const close = () => Deno.remove(dir, { recursive: true });
  try {
    await extractTarGz(userPath(file), dir, DEFAULT_LIMITS);
    const infoFile = join(dir, "bundle.json");
    const st = await lstatOrNull(infoFile);
    if (!st?.isFile) throw new Error(`${file}: bundle.json is missing or not a regular file`);
    if (st.size > MAX_BUNDLE_INFO_BYTES) {
      throw new Error(
        `${file}: bundle.json holds ${st.size} bytes, more than the ${MAX_BUNDLE_INFO_BYTES} allowed`,
      );
    }
    const { report } = await verifyBundleDir(dir);
    if (report.problems.length > 0) {
      const first = report.problems[0];
      throw new Error(
        `${file}: refused, it does not verify (${report.problems.length} problem(s); ` +
          `${first.file}: ${first.problem}); run "verify --bundle" for all`,
      );
    }
    const parsed = bundleInfoSchema.safeParse(JSON.parse(await Deno.readTextFile(infoFile)));
    if (!parsed.success) {
      throw new Error(`${file}: bundle.json: ${parsed.error.issues[0].message}`);
    }
    return { dir, info: parsed.data, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * The target options of a rerun of a bundle: the bundle's, except those the user gave on the
 * command line. Every value taken from the bundle is hostile until checked: it must be of the
 * option's shape (a list only for a repeatable option, at most {@link MAX_BUNDLE_OPTION_VALUES}
 * values of at most {@link MAX_BUNDLE_OPTION_CHARS} characters) and one of its `choices` or match
 * its `pattern`; an option with neither is never taken from a bundle. Fields the project does not
 * declare are ignored. Throws naming the option and the flag that replaces it.
 */
export function bundleTargetOptions(
  p: Project,
  given: TargetOptions,
  info: Pick<BundleInfo, "targetOptions">,
  cmd: { getOptionValueSource(key: string): string | undefined },
): TargetOptions {
  const out: TargetOptions = { ...given };
  const opts = targetOptions(p);
  p.targetOptions.forEach((t, i) => {
    if (cmd.getOptionValueSource(opts[i].attributeName()) === "cli") return;
    const v = Object.hasOwn(info.targetOptions, t.name) ? info.targetOptions[t.name] : undefined;
    out[t.name] = v === undefined ? undefined : bundleOptionValue(t, v);
  });
  return out;
}

function bundleOptionValue(t: TargetOption, v: unknown): string | string[] {
  const flag = t.flag.split(" ")[0];
  const refuse = (why: string): never => {
    throw new Error(
      `the bundle's value of ${flag} is refused (${why}); give ${flag} on the command line`,
    );
  };
  const values = Array.isArray(v) ? v : [v];
  if (Array.isArray(v) && !t.repeatable) refuse("a list for an option given once");
  if (values.length > MAX_BUNDLE_OPTION_VALUES) {
    refuse(`${values.length} values, more than ${MAX_BUNDLE_OPTION_VALUES}`);
  }
  for (const x of values) {
    if (typeof x !== "string") refuse("not a string");
    const s = x as string;
    const shown = JSON.stringify(s.slice(0, 60)) + (s.length > 60 ? "..." : "");
    if (s.length > MAX_BUNDLE_OPTION_CHARS) {
      refuse(`${s.length} characters, more than ${MAX_BUNDLE_OPTION_CHARS}`);
    }
    if (t.choices) {
      if (!t.choices.includes(s)) refuse(`${shown} is not one of ${t.choices.join(", ")}`);
    } else if (!t.pattern) {
      refuse(`${shown}: this option is never taken from a bundle`);
    } else if (!t.pattern.test(s)) refuse(`${shown} does not match ${t.pattern}`);
  }
  return Array.isArray(v) ? values as string[] : v as string;
}

/**
 * After a rerun: per published output, whether it is byte-identical to the bundle's; and for
 * the metrics, what differs (tolerances as `check`). Returns true when a metric moved past its
 * tolerance or is missing.
 */
export async function compareWithBundle(
  p: Project,
  target: Target,
  bundleDir: string,
  label: string,
): Promise<boolean> {
  const theirs = await readProvenance(join(bundleDir, "results"));
  const ours = await readProvenance(target.resultsDir);
  const names = [...new Set([...Object.keys(theirs.items ?? {}), ...Object.keys(ours.items ?? {})])]
    .sort();
  let same = 0;
  console.log(`outputs against ${label}:`);
  for (const rel of names) {
    const a = theirs.items?.[rel] as { sha256?: string } | undefined;
    const b = ours.items?.[rel] as { sha256?: string } | undefined;
    const what = !a
      ? "only here"
      : !b
      ? "only in the bundle"
      : a.sha256 === b.sha256
      ? "byte-identical"
      : "DIFFERS";
    if (what === "byte-identical") same++;
    console.log(`  ${what.padEnd(18)}  ${rel}`);
  }
  console.log(`${same} of ${names.length} outputs byte-identical`);
  if (!p.check) return false;
  const rows = diffMetrics(
    await p.check.resultsMetrics(join(bundleDir, "results")),
    await p.check.resultsMetrics(target.resultsDir),
    { tolerance: (n) => p.check!.tolerance(n) },
  );
  console.log(formatDiff(rows, "plain", { old: label, new: "this rerun" }));
  return diffFails(rows);
}
