/**
 * `reproduce --compare-bundle` treats the bundle as hostile (issue 19, item 4): it verifies the
 * bundle before acting on it, and takes a target option from `bundle.json` only when the value is
 * one of the option's choices or matches its pattern (never a path such as `/etc/shadow`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createBundle } from "../../../pipeline/bundle/bundle.ts";
import { extractTarGz, writeTarGz } from "../../../pipeline/bundle/archive.ts";
import {
  bundleTargetOptions,
  MAX_BUNDLE_OPTION_CHARS,
  openBundle,
} from "../../../pipeline/cli/bundle.ts";
import type { Project } from "../../../pipeline/graph/project.ts";
import { reproduceTarget } from "../../../pipeline/run/reproduce.ts";
import { Store } from "../../../pipeline/store/store.ts";
import { listFiles } from "../../../pipeline/store/list_files.ts";
import { wordCountProject } from "../second_project/project.ts";

const root = await Deno.makeTempDir({ prefix: "compare-bundle-test-" });
const project = wordCountProject(join(root, "artifacts"));
const options = { text: "b A b a", case: "fold" };
const target = await project.resolveTarget(options);
await reproduceTarget(project, target, {});
const archive = join(root, "run.tar.gz");
await createBundle(project, target, new Store(project.artifactsRoot), {
  out: archive,
  targetOptions: options,
});

/** Nothing given on the command line. */
const noCli = { getOptionValueSource: () => undefined };

/** The wordcount project with a `--text` that a bundle may give when it is one word. */
const withPattern: Project = {
  ...project,
  targetOptions: project.targetOptions.map((t) =>
    t.name === "text" ? { ...t, pattern: /^[a-z]{1,20}$/ } : t
  ),
};

Deno.test("compare-bundle: a bundle that does not verify is refused before bundle.json is used", async () => {
  const dir = await Deno.makeTempDir({ dir: root });
  await extractTarGz(archive, dir);
  const info = JSON.parse(await Deno.readTextFile(join(dir, "bundle.json")));
  info.targetOptions.text = "/etc/shadow";
  await Deno.writeTextFile(join(dir, "bundle.json"), JSON.stringify(info));
  const out = join(root, "tampered.tar.gz");
  const files = await listFiles(dir);
  await writeTarGz(out, files.map((f) => ({ name: f, path: join(dir, f) })));
  await assert.rejects(
    openBundle(out),
    /tampered\.tar\.gz: refused, it does not verify .*bundle\.json: sha256 .* differs from SHA256SUMS/,
  );
  const opened = await openBundle(archive);
  try {
    assert.deepEqual(opened.info.targetOptions, options);
  } finally {
    await opened.close();
  }
});

Deno.test("compare-bundle: a target option without choices or pattern is never taken from a bundle", () => {
  for (const text of ["/etc/shadow", "profile:/dev/zero", "b A b a"]) {
    assert.throws(
      () => bundleTargetOptions(project, {}, { targetOptions: { text, case: "fold" } }, noCli),
      /the bundle's value of --text is refused \(".*": this option is never taken from a bundle\); give --text on the command line/,
    );
  }
  // Given on the command line, the bundle's value is not even looked at.
  const cli = { getOptionValueSource: (k: string) => k === "text" ? "cli" : undefined };
  assert.deepEqual(
    bundleTargetOptions(project, { text: "mine" }, {
      targetOptions: { text: "/etc/shadow", case: "keep", extra: "/dev/zero" },
    }, cli),
    { text: "mine", case: "keep" },
  );
});

Deno.test("compare-bundle: values are checked against choices, patterns and size caps", () => {
  const take = (targetOptions: Record<string, string | string[]>) =>
    bundleTargetOptions(withPattern, {}, { targetOptions }, noCli);
  assert.deepEqual(take({ text: "hello", case: "keep" }), { text: "hello", case: "keep" });
  assert.throws(
    () => take({ text: "hello", case: "/dev/zero" }),
    /--case is refused .*not one of keep, fold/,
  );
  assert.throws(() => take({ text: "../../etc/shadow" }), /--text is refused .*does not match/);
  assert.throws(() => take({ text: ["a", "b"] }), /a list for an option given once/);
  assert.throws(
    () => take({ text: "a".repeat(MAX_BUNDLE_OPTION_CHARS + 1) }),
    new RegExp(`${MAX_BUNDLE_OPTION_CHARS + 1} characters, more than ${MAX_BUNDLE_OPTION_CHARS}`),
  );
});
