/**
 * `amr data list|generate|stats`: inspect dataset configs, build the data stages, print Table 1.
 */
import { type Command, Option } from "@commander-js/extra-typings";
import { join } from "node:path";
import {
  printReport,
  type Project,
  reproduceTarget,
  Store,
  type Target,
  type TargetOptions,
  withInterrupt,
} from "../pipeline/mod.ts";
import { loadDatasetConfig } from "../config/dataset.ts";
import { registerRealDataCommands } from "./real_data.ts";

/** Data node ids that `data generate` builds. */
const DATA_NODES = ["features", "negatives", "table1"];

/** What `registerDataCommands` needs from the project. */
export interface DataCommandContext {
  configDir: string;
  resolveTarget: (opts: TargetOptions) => Promise<Target>;
  /** The project the data stages run in (its store and code). */
  project: Project;
}

/** Adds the `data` command group. */
export function registerDataCommands(program: Command, ctx: DataCommandContext): void {
  const project = ctx.project;
  const data = program.command("data").description(
    "datasets: list configs, generate data, print Table 1",
  );
  const dataset = () => new Option("--dataset <name>", "dataset name");
  const dataDir = () =>
    new Option("--data-dir <path>", "your own data: interactions.csv|tsv + features.npy");
  const profile = () =>
    new Option("--profile <name>", "profile (sets seed and negatives)").default("default");

  data.command("list").description("datasets with a config in configs/datasets/").action(
    async () => {
      const dir = join(ctx.configDir, "datasets");
      const names = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json")).map((e) =>
        e.name.slice(0, -5)
      ).sort();
      for (const name of names) {
        const c = await loadDatasetConfig(name, dir);
        const shape = c.kind === "synthetic"
          ? `synthetic: ${c.users} users, ${c.items} items, ~${c.interactions} interactions, D=${c.dim}, >=${c.minPerUser}/user`
          : `${c.kind}: ${c.dir}`;
        console.log(`${name.padEnd(22)} ${shape}`);
      }
    },
  );

  registerRealDataCommands(data, { artifactsRoot: project.artifactsRoot });

  data.command("generate").description(
    "build the data stages (dataset, filter, split, negatives, features)",
  )
    .addOption(dataset()).addOption(dataDir()).addOption(profile())
    .action(async (f) => {
      const target = await ctx.resolveTarget({
        dataset: f.dataset,
        dataDir: f.dataDir,
        profile: f.profile,
      });
      const report = await withInterrupt((signal) =>
        reproduceTarget(project, target, { targets: DATA_NODES, signal })
      );
      printReport(report, target);
    });

  data.command("stats").description("print Table 1 of a dataset (builds it if needed)")
    .addOption(dataset()).addOption(dataDir()).addOption(profile())
    .option("--json", "print the JSON form")
    .action(async (f) => {
      const target = await ctx.resolveTarget({
        dataset: f.dataset,
        dataDir: f.dataDir,
        profile: f.profile,
      });
      const report = await withInterrupt((signal) =>
        reproduceTarget(project, target, { targets: ["table1"], signal })
      );
      const t1 = report.outcomes.find((o) => o.id === "table1")!;
      const store = new Store(project.artifactsRoot);
      const file = f.json ? "table1.json" : "table1.md";
      console.log(await Deno.readTextFile(store.outputPath(t1.key!, file)));
    });
}
