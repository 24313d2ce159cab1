/**
 * The reference of a tuned run (`tune.reference`; `paper-fast` names `paper`): the choices the
 * reference profile's selections made on the same data, which the report sets beside ours
 * (stage `tune-compare`, report/tuning.ts).
 *
 * The composition root resolves the reference's target (the same dataset, init and backend, no
 * `--set`) and reads its selections' `chosen.json` from their fresh store entries, hashed as
 * read (`readFreshOutputs`). This module turns that into the node's params: nothing is compared
 * when the two targets' data nodes differ (another seed, other negatives, ...), each selection
 * without a fresh entry is null, and every other profile field that differs, besides the
 * tuning schedule, is named. The params carry each entry's key and hash, so the comparison's
 * key changes when the reference's choice does, and a reviewer holding the reference's
 * entries can check them.
 *
 * @module
 */
import { canonicalJson, fieldIssue, type FreshOutput, type NodeSpec } from "../pipeline/mod.ts";
import type { ProfileSpec } from "../config/profile.ts";
import { chosenSchema } from "../stages/lib/chosen.ts";
import { selectionSummary, type TuningReference } from "../stages/tune-compare.ts";

/** Profile fields whose difference is the point of the comparison or never reaches tuning. */
const NOT_COMPARED = new Set([
  "name",
  "description",
  "seeds",
  "figures",
  "tune.patience",
  "tune.schedule",
  "tune.eta",
  "tune.reference",
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Dotted paths of the fields that differ between two resolved profiles, except the tuning
 * schedule, names, seeds and figure settings ({@link NOT_COMPARED}); arrays compare whole.
 */
export function profileDifferences(ours: ProfileSpec, ref: ProfileSpec): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (NOT_COMPARED.has(path)) return;
    if (isRecord(a) && isRecord(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        walk(a[k], b[k], path ? `${path}.${k}` : k);
      }
      return;
    }
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null)) out.push(path);
  };
  walk(ours, ref, "");
  return out;
}

function nodeText(n: NodeSpec): string {
  return canonicalJson({ stage: n.stage.name, params: n.params, seed: n.seed, inputs: n.inputs });
}

/**
 * Why two graphs do not run on the same data (null: they do): the first of `ids` whose node
 * differs in stage, params, seed or wiring, or is missing from the reference.
 */
export function dataDifference(
  ours: readonly NodeSpec[],
  ref: readonly NodeSpec[],
  ids: readonly string[],
): string | null {
  const byId = new Map(ref.map((n) => [n.id, n]));
  for (const id of ids) {
    const a = ours.find((n) => n.id === id);
    const b = byId.get(id);
    if (!a) continue;
    if (!b) return `its graph has no data node ${id}`;
    if (nodeText(a) !== nodeText(b)) {
      return `it runs on other data (node ${id} has other settings or another seed)`;
    }
  }
  return null;
}

/** What {@link tuningReference} is built from. */
export interface ReferenceFacts {
  /** The reference profile's name. */
  profile: string;
  /** Its target's name. */
  target: string;
  /** Why nothing is compared (other data, an unreadable entry); null: comparable. */
  unavailable: string | null;
  /** {@link profileDifferences} of the two resolved profiles. */
  differences: string[];
  /** The selection nodes compared. */
  selections: readonly string[];
  /** Each selection's `chosen.json` from its fresh entry (absent: no such entry). */
  chosen: ReadonlyMap<string, FreshOutput>;
}

/**
 * The params of `tune-compare`'s reference: each selection's choice (null where the reference
 * has no fresh entry), with the entry's key and its `chosen.json`'s SHA-256. A `chosen.json` that
 * is not a valid choice makes the whole reference unavailable, naming the selection and the entry.
 */
export function tuningReference(f: ReferenceFacts): TuningReference {
  const selections: TuningReference["selections"] = {};
  let unavailable = f.unavailable;
  for (const node of unavailable === null ? f.selections : []) {
    const out = f.chosen.get(node);
    if (!out) {
      selections[node] = null;
      continue;
    }
    const problem = (why: string) =>
      `the chosen.json of its ${node} (store entry ${
        out.key.slice(0, 12)
      }) is not a choice: ${why}`;
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder().decode(out.bytes));
    } catch (e) {
      unavailable = problem(`not JSON (${(e as Error).message})`);
      break;
    }
    const parsed = chosenSchema.safeParse(raw);
    if (!parsed.success) {
      unavailable = problem(fieldIssue(parsed.error.issues[0]));
      break;
    }
    selections[node] = { key: out.key, sha256: out.sha256, choice: selectionSummary(parsed.data) };
  }
  return {
    profile: f.profile,
    target: f.target,
    ...(unavailable === null ? {} : { unavailable }),
    differences: f.differences,
    // Never half a reference: unavailable means nothing is compared.
    selections: unavailable === null ? selections : {},
  };
}
