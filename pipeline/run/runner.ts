/**
 * The runner: executes the nodes a target needs in dependency order, reusing cached entries,
 * running independent nodes in parallel Workers with `jobs > 1`. It is a dataflow scheduler: a
 * node starts as soon as its inputs are done and a slot is free, never waiting for a level of
 * the graph, and when nodes compete for slots the one with the longest remaining path goes
 * first (`priority.ts`).
 */
import type { CodeHasher } from "../graph/code_hash.ts";
import { closure, type Graph, type GraphNode } from "../graph/graph.ts";
import { type CostModel, downstreamOf } from "../graph/estimate.ts";
import { nodePriorities, PriorityGate } from "./priority.ts";
import { exportNameOf } from "./execute.ts";
import type { Executor, NodeTask } from "./executors/executor.ts";
import { FuseBatch, fuseChunks, type FuseOptions } from "./fused.ts";
import { localExecutor } from "./executors/local.ts";
import { pendingRecord, writePending } from "./pending.ts";
import { modulePath, StageError } from "./run_node.ts";
import { type NodeKey, nodeKey, type RuntimeFacts } from "../graph/keys.ts";
import type { Manifest } from "../stage/manifest.ts";
import { createProgress, type Progress } from "../stage/progress.ts";
import type { Store } from "../store/store.ts";
import { checkEntry, describeProblem, findCorruptInput } from "../store/file_check.ts";
import { CorruptEntry } from "../store/entry.ts";

/** Options of a run. */
export interface RunOptions {
  store: Store;
  hasher: CodeHasher;
  runtime: RuntimeFacts;
  /**
   * Nodes run at once by the default local executor (1: in-process; more: one Worker each;
   * "auto": Workers fitted to the cores, threads per node from the nodes ready at once).
   */
  jobs?: number | "auto";
  /** Cores for `jobs` "auto" (default: the machine's). */
  cores?: number;
  /** Environment variable of the stages' thread count, set per Worker by `jobs` "auto". */
  threadsEnv?: string;
  /** Threads per node fixed by the user; `jobs` "auto" then only chooses the node count. */
  threads?: number;
  /** Where nodes run (default: the local executor for `jobs`). */
  executor?: Executor;
  /** `true` reruns every node; a list reruns the nodes with those ids or stage names. */
  force?: boolean | string[];
  /** Only report what would run. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Where engine messages go (default: stderr). */
  log?: (line: string) => void;
  /** Progress reporter factory (default: bar on a TTY, plain lines otherwise). */
  progress?: (nodeId: string, parallel: boolean) => Progress;
  /** How long to wait for another process's lock on an entry. */
  lockTimeoutMs?: number;
  /**
   * Prices nodes for critical-path-first ordering; loaded when the first node needs a slot
   * (never on a run that finds everything cached). Absent: every node counts one.
   */
  costModel?: () => Promise<CostModel>;
  /**
   * Fused groups (`NodeSpec.fuse`): run together unless `enabled` is false (`--no-fuse`), at
   * most `max` nodes per job (`--fuse-max`). Default: fused, when the executor can run groups.
   */
  fuse?: FuseOptions;
}

/** What happened to one node. */
export interface NodeOutcome {
  id: string;
  stage: string;
  status: "cached" | "ran" | "would-run";
  /** Null in a dry run when an upstream node would run first. */
  key: string | null;
  manifest: Manifest | null;
  /** Wall seconds spent on this node in this run (0 when cached). */
  seconds: number;
  /** Why it (would) run. */
  reason?: string;
}

/** The result of a run. */
export interface RunReport {
  outcomes: NodeOutcome[];
  seconds: number;
}

export { StageError } from "./run_node.ts";

/** What an interrupted run had done: raised by `runGraph` when its `signal` aborts it. */
export class RunCancelled extends Error {
  override name = "RunCancelled";
  constructor(
    /** Nodes whose entries exist (ran or cached in this run). */
    readonly finished: string[],
    /** Nodes that were running and were stopped (no entry committed). */
    readonly cancelled: string[],
    /** Nodes that never started. */
    readonly notStarted: number,
  ) {
    super(
      `cancelled: ${finished.length} stage(s) finished and stay cached, ` +
        `${cancelled.length} cancelled (${cancelled.join(", ") || "none running"}), ` +
        `${notStarted} not started`,
    );
  }
}

/** Runs the nodes needed by `targets` (all nodes when null). */
export async function runGraph(
  graph: Graph,
  targets: string[] | null,
  opts: RunOptions,
): Promise<RunReport> {
  const t0 = performance.now();
  const log = opts.log ?? ((l: string) => console.error(l));
  const nodes = targets ? closure(graph, targets) : graph.order;
  const executor = opts.executor ?? localExecutor({
    jobs: opts.jobs === "auto" ? "auto" : Math.max(1, opts.jobs ?? 1),
    cores: opts.cores,
    threadsEnv: opts.threadsEnv,
    threads: opts.threads,
    store: opts.store,
    hasher: opts.hasher,
    runtime: opts.runtime,
    log,
    progress: opts.progress ?? defaultProgress,
    lockTimeoutMs: opts.lockTimeoutMs,
  });
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const gate = new PriorityGate(executor.slots);
  const results = new Map<string, Promise<NodeOutcome>>();
  const settled = new Map<string, (o: NodeOutcome) => void>();
  const down = downstreamOf(nodes);
  const inputsLeft = new Map(nodes.map((n) => [n.id, n.upstream.length]));
  const rank = new Map(nodes.map((n, i) => [n.id, i]));
  let priorities: Promise<Map<string, number>> | null = null;
  const priorityOf = async (id: string) => {
    priorities ??= (async () => nodePriorities(nodes, await opts.costModel?.()))();
    return (await priorities).get(id)!;
  };
  const keys = new Map<string, NodeKey>();
  const byId = new Map(graph.order.map((n) => [n.id, n]));

  /** A member of a fused group that must run, waiting for its group's job. */
  interface Joined {
    node: GraphNode;
    nk: NodeKey;
    reason: string;
    done: PromiseWithResolvers<NodeOutcome>;
  }
  const batches = new Map<string, FuseBatch<Joined>>();
  const unlaunched = new Set<Joined>();
  if ((opts.fuse?.enabled ?? true) && executor.runGroup && !opts.dryRun) {
    const members = new Map<string, string[]>();
    for (const n of nodes) {
      if (n.fuse !== undefined) members.set(n.fuse, [...(members.get(n.fuse) ?? []), n.id]);
    }
    for (const [group, ids] of members) {
      if (ids.length > 1) batches.set(group, new FuseBatch(ids, launchGroup));
    }
  }
  const batchOf = (node: GraphNode) => node.fuse === undefined ? undefined : batches.get(node.fuse);
  // A group whose member never reports (its upstream failed) is abandoned with the run.
  abort.signal.addEventListener("abort", () => {
    for (const j of unlaunched) j.done.reject(abort.signal.reason);
  }, { once: true });

  const forced = (n: GraphNode) =>
    opts.force === true ||
    (Array.isArray(opts.force) && (opts.force.includes(n.id) || opts.force.includes(n.stage.name)));

  /** Nodes whose inputs are done and that are not finished (ready, being checked or running). */
  const live = new Set<string>();

  /**
   * A node's outcome is known: its downstream whose inputs are now all done become prepared
   * (before this node's slot is given back, so that they compete for it).
   */
  function settle(node: GraphNode, outcome: NodeOutcome): void {
    for (const d of down.get(node.id) ?? []) {
      const left = inputsLeft.get(d)! - 1;
      inputsLeft.set(d, left);
      if (left === 0) gate.prepare();
    }
    settled.get(node.id)!(outcome);
  }

  async function visit(node: GraphNode): Promise<NodeOutcome> {
    const ups = await Promise.all(node.upstream.map((u) => results.get(u)!));
    live.add(node.id);
    try {
      let checked: NodeOutcome | { nk: NodeKey; reason: string };
      try {
        checked = await check(node, ups);
      } catch (e) {
        batchOf(node)?.leave(node.id);
        gate.unprepare();
        throw e;
      }
      if ("status" in checked) {
        settle(node, checked);
        batchOf(node)?.leave(node.id);
        gate.unprepare();
        return checked;
      }
      const batch = batchOf(node);
      if (batch) {
        const joined: Joined = { node, ...checked, done: Promise.withResolvers<NodeOutcome>() };
        unlaunched.add(joined);
        batch.join(node.id, joined);
        return await joined.done.promise;
      }
      const priority = await priorityOf(node.id).catch((e) => {
        gate.unprepare();
        throw e;
      });
      await gate.acquire(priority, rank.get(node.id)!);
      try {
        const others = [...live].filter((id) => id !== node.id);
        const top = await Promise.all(others.map(priorityOf));
        const critical = top.every((p) => p <= priority);
        const [outcome] = await produce([{ node, ...checked }], critical);
        settle(node, outcome);
        return outcome;
      } finally {
        gate.release();
      }
    } finally {
      live.delete(node.id);
    }
  }

  /** A node's key and whether its entry can be reused; what to run when it cannot. */
  async function check(
    node: GraphNode,
    ups: NodeOutcome[],
  ): Promise<NodeOutcome | { nk: NodeKey; reason: string }> {
    const manifests = new Map<string, Manifest>();
    for (const o of ups) if (o.manifest) manifests.set(o.id, o.manifest);
    const nk = await nodeKey(node, manifests, opts);
    if (!nk) {
      return {
        id: node.id,
        stage: node.stage.name,
        status: "would-run",
        key: null,
        manifest: null,
        seconds: 0,
        reason: "an upstream node will run first",
      };
    }
    keys.set(node.id, nk);
    let reason = forced(node) ? "forced" : "no cached entry for its key";
    let cached: Manifest | null = null;
    try {
      cached = forced(node) ? null : await opts.store.readManifest(nk.key);
    } catch (e) {
      // A truncated manifest, one of another key or a link: healed like a corrupt file.
      if (!(e instanceof CorruptEntry) || opts.dryRun) throw e;
      const movedTo = await opts.store.quarantine(nk.key, {
        reason: "cached entry verification",
        problems: [{ file: e.path, problem: "corrupt manifest", actual: e.reason }],
      });
      log(
        `[${node.id}] cached entry failed verification: ${e.message}; ` +
          `quarantined${movedTo ? ` to ${movedTo}` : ""}; rerunning`,
      );
      reason = `healing: corrupt manifest ${e.path}`;
    }
    if (cached && !opts.dryRun) {
      // A cached entry is reused only when its files still match its manifest.
      const problems = await checkEntry(opts.store, cached);
      if (problems.length > 0) {
        const movedTo = await opts.store.quarantine(nk.key, {
          reason: "cached entry verification",
          problems,
        });
        log(
          `[${node.id}] cached entry failed verification: ${
            problems.map(describeProblem).join("; ")
          }; quarantined${movedTo ? ` to ${movedTo}` : ""}; rerunning`,
        );
        cached = null;
        reason = `healing: ${problems[0].problem} in ${problems[0].file}`;
      }
    }
    if (cached) {
      return {
        id: node.id,
        stage: node.stage.name,
        status: "cached",
        key: nk.key,
        manifest: cached,
        seconds: 0,
      };
    }
    if (opts.dryRun) {
      return {
        id: node.id,
        stage: node.stage.name,
        status: "would-run",
        key: nk.key,
        manifest: null,
        seconds: 0,
        reason,
      };
    }
    return { nk, reason };
  }

  const running = new Set<string>();
  const finished = new Set<string>();

  /**
   * Every member of a fused group has been checked: the ones that must run are split into the
   * jobs the executor asks for (each taking one slot), in the graph's order.
   */
  function launchGroup(joined: Joined[]): void {
    joined.sort((a, b) => rank.get(a.node.id)! - rank.get(b.node.id)!);
    for (const j of joined) unlaunched.delete(j);
    const jobs = executor.groupJobs?.(joined.length) ?? executor.slots;
    const chunks = fuseChunks(joined, jobs, opts.fuse?.max);
    // The members' prepared places pass to the jobs, with no dispatch in between.
    for (const _ of chunks) gate.prepare();
    for (const _ of joined) gate.unprepare();
    for (const chunk of chunks) void runChunk(chunk);
  }

  /** One job of a fused group: takes a slot at its members' highest priority and runs them. */
  async function runChunk(chunk: Joined[]): Promise<void> {
    try {
      const ids = chunk.map((j) => j.node.id);
      let priority: number;
      try {
        priority = Math.max(...await Promise.all(ids.map(priorityOf)));
      } catch (e) {
        gate.unprepare();
        throw e;
      }
      await gate.acquire(priority, Math.min(...ids.map((id) => rank.get(id)!)));
      try {
        const others = [...live].filter((id) => !ids.includes(id));
        const top = await Promise.all(others.map(priorityOf));
        const critical = top.every((p) => p <= priority);
        const outcomes = await produce(chunk, critical);
        chunk.forEach((j, i) => settle(j.node, outcomes[i]));
        chunk.forEach((j, i) => j.done.resolve(outcomes[i]));
      } finally {
        gate.release();
      }
    } catch (e) {
      for (const j of chunk) j.done.reject(e);
    }
  }

  /** What {@link produce} runs: a node, its key and why. */
  interface ToRun {
    node: GraphNode;
    nk: NodeKey;
    reason: string;
  }

  /** Runs one node, or a fused group's job of several, rebuilding a corrupt input once. */
  async function produce(items: ToRun[], critical: boolean): Promise<NodeOutcome[]> {
    abort.signal.throwIfAborted();
    for (const it of items) running.add(it.node.id);
    try {
      let outcomes: NodeOutcome[];
      try {
        outcomes = await produceHere(items, critical);
      } catch (e) {
        // An input entry failed verification (and was quarantined): rebuild it, then retry once.
        const bad = findCorruptInput(e);
        const up = bad && byId.get(bad.node);
        const upKey = bad && keys.get(bad.node);
        if (!bad || !up || !upKey || upKey.key !== bad.key) throw e;
        log(
          `[${items.map((it) => it.node.id).join(", ")}] ${bad.message}; rerunning "${bad.node}"`,
        );
        await produceHere([{
          node: up,
          nk: upKey,
          reason: `healing: ${bad.problems[0].problem} in ${bad.problems[0].file}`,
        }], critical);
        outcomes = await produceHere(items, critical);
      }
      for (const it of items) finished.add(it.node.id);
      return outcomes;
    } finally {
      for (const it of items) running.delete(it.node.id);
    }
  }

  async function produceHere(items: ToRun[], critical: boolean): Promise<NodeOutcome[]> {
    const started = performance.now();
    const tasks: NodeTask[] = [];
    for (const { node, nk, reason } of items) {
      // A forced rerun replaces the entry: drop it first so that only the new one counts as
      // done, and start from scratch, not from an interrupted run's checkpoint.
      if (forced(node)) {
        await opts.store.remove(nk.key);
        await opts.store.removeCheckpoint(nk.key);
      }
      const record = pendingRecord(node, nk, {
        module: modulePath(opts.hasher.root, node.stage.module),
        exportName: await exportNameOf(node.stage),
      });
      await writePending(opts.store, record);
      tasks.push({ key: nk.key, node, record, reason, concurrency: live.size, critical });
    }
    const results = tasks.length === 1
      ? [await executor.run(tasks[0], abort.signal)]
      : await executor.runGroup!(tasks, abort.signal);
    // A fused job's wall time is shared by its nodes.
    const share = (performance.now() - started) / 1000 / items.length;
    return await Promise.all(items.map(async ({ node, nk, reason }, i) => {
      const manifest = await opts.store.readManifest(nk.key);
      if (!manifest) {
        throw new StageError(
          node.id,
          new Error(`the ${executor.name} executor committed no entry`),
        );
      }
      const ran = results[i].ran;
      return {
        id: node.id,
        stage: node.stage.name,
        status: ran ? "ran" : "cached",
        key: nk.key,
        manifest,
        seconds: ran ? share : 0,
        ...(ran ? { reason } : {}),
      } satisfies NodeOutcome;
    }));
  }

  const cancelledNow = new Set<string>();
  opts.signal?.addEventListener("abort", () => {
    for (const id of running) cancelledNow.add(id);
  }, { once: true });
  // The nodes without inputs are ready from the start.
  for (const node of nodes) if (node.upstream.length === 0) gate.prepare();
  for (const node of nodes) {
    const p = new Promise<NodeOutcome>((resolve, reject) => {
      settled.set(node.id, resolve);
      visit(node).then(resolve, reject);
    });
    p.then((o) => {
      if (o.status !== "would-run") finished.add(o.id);
    }, () => {});
    p.catch((e) => abort.abort(e));
    results.set(node.id, p);
  }
  let failed = true;
  try {
    const outcomes = await Promise.all(nodes.map((n) => results.get(n.id)!));
    failed = false;
    return { outcomes, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    // Let in-flight nodes notice the abort and clean up before reporting the first failure.
    await Promise.allSettled([...results.values()]);
    if (opts.signal?.aborted) {
      const cancelled = [...cancelledNow].filter((id) => !finished.has(id));
      const ids = nodes.map((n) => n.id);
      throw new RunCancelled(
        ids.filter((id) => finished.has(id)),
        cancelled,
        ids.length - finished.size - cancelled.length,
      );
    }
    throw e;
  } finally {
    opts.signal?.removeEventListener("abort", onOuterAbort);
    await executor.close?.(failed);
  }
}

function defaultProgress(nodeId: string, parallel: boolean): Progress {
  return createProgress(nodeId, parallel ? { plain: true } : {});
}
