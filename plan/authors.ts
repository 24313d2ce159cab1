/**
 * The data nodes of a pre-split (`authors-split`) dataset. They keep the ids the model plan
 * wires to (`filter-users`, `split`, `negatives`, `features`, `table1`), so
 * `plan/models.ts` works unchanged:
 * dataset (authors-import) -> filter-users (authors-ids) -> split (authors-split) ->
 * negatives (authors-negatives); features (the usual scaling by the global max |x|); table1.
 */
import type { NodeSpec } from "../pipeline/mod.ts";
import type { AuthorsSplitConfig } from "../config/dataset.ts";
import { stage as importStage } from "../stages/authors-import.ts";
import { stage as idsStage } from "../stages/authors-ids.ts";
import { stage as splitStage } from "../stages/authors-split.ts";
import { stage as negativesStage } from "../stages/authors-negatives.ts";
import { stage as featuresStage } from "../stages/features.ts";
import { stage as table1Stage } from "../stages/table1.ts";
import type { PaperDataset } from "../config/paper.ts";

/** Options of {@link authorsDataNodes} (given by `plan/data.ts`, which owns seeds). */
export interface AuthorsNodeOptions {
  /** Seed of a node id. */
  seedOf: (id: string) => number;
  /** Paper column of Table 1 to compare with. */
  paper: PaperDataset | null;
}

/** The data nodes of an authors-split dataset (the negatives count is fixed by `neg.txt`). */
export function authorsDataNodes(
  dataset: AuthorsSplitConfig,
  opts: AuthorsNodeOptions,
): NodeSpec[] {
  const seed = opts.seedOf;
  const imported = (output: string) => ({ node: "dataset", output });
  return [
    { id: "dataset", stage: importStage, params: dataset, inputs: {}, seed: seed("dataset") },
    {
      id: "filter-users",
      stage: idsStage,
      params: {},
      inputs: {
        train_pairs: imported("train_pairs.npy"),
        test_items: imported("test_items.npy"),
        features: imported("features.npy"),
        import_report: imported("import_report.json"),
      },
      seed: seed("filter-users"),
    },
    {
      id: "split",
      stage: splitStage,
      params: {},
      inputs: { train_pairs: imported("train_pairs.npy"), test_items: imported("test_items.npy") },
      seed: seed("split"),
    },
    {
      id: "negatives",
      stage: negativesStage,
      params: {},
      inputs: {
        test_negatives: imported("test_negatives.npy"),
        train: { node: "split", output: "train.npy" },
        validation: { node: "split", output: "validation.npy" },
        test: { node: "split", output: "test.npy" },
        item_map: { node: "filter-users", output: "item_map.csv" },
      },
      seed: seed("negatives"),
    },
    {
      id: "features",
      stage: featuresStage,
      params: {},
      inputs: {
        features: imported("features.npy"),
        item_map: { node: "filter-users", output: "item_map.csv" },
      },
      seed: seed("features"),
    },
    {
      id: "table1",
      stage: table1Stage,
      params: { dataset: dataset.name, paper: opts.paper },
      inputs: {
        interactions: { node: "filter-users", output: "interactions.npy" },
        train: { node: "split", output: "train.npy" },
        validation: { node: "split", output: "validation.npy" },
        test: { node: "split", output: "test.npy" },
        item_map: { node: "filter-users", output: "item_map.csv" },
      },
      seed: seed("table1"),
      publish: { "table1.csv": "tables/table1.csv", "table1.md": "tables/table1.md" },
    },
  ];
}
