/**
 * A node of the stage graph: a stage with concrete params, wired inputs and a seed (the graph
 * itself, its order and checks live in `graph/graph.ts`).
 */
import type { Stage } from "./stage.ts";

/** Where an input comes from: an output file of an upstream node. */
export interface InputRef {
  /** Upstream node id. */
  node: string;
  /** One of the upstream stage's declared output names. */
  output: string;
}

/** One node of the graph: a stage, its params, its input wiring and its seed. */
export interface NodeSpec {
  /** Unique id in the graph, e.g. "split" or "train@lr=0.1". */
  id: string;
  /** The stage this node runs. */
  stage: Stage;
  /** Raw params; validated against `stage.params` when the graph is built. */
  params: unknown;
  /** Input name -> upstream output. Must cover exactly `stage.inputs`. */
  inputs: Record<string, InputRef>;
  /** Seed of the node's generator (part of its cache key, recorded in its manifest). */
  seed: number;
  /** Output name -> path under the results folder, for human-facing outputs. */
  publish?: Record<string, string>;
  /**
   * Fused group: nodes naming the same group (all of one stage with `runGroup`) may run in one
   * job (docs/architecture.md#fused-groups). Not part of the key: a group writes what its nodes write
   * one by one.
   */
  fuse?: string;
}
