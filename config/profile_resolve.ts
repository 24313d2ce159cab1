/**
 * Resolving a profile from the command line: `--profile NAME|PATH` (a shipped
 * `configs/profiles/<NAME>.json`, or any profile file), `extends` chains (a profile names
 * another, by name or by path relative to itself, and overrides fields: objects merge, arrays
 * and values replace), and `--set a.b=c` overrides (DVC's `exp run -S`). The result is validated
 * against the one schema (`profileSchema` in config/profile.ts) and records where each value
 * came from: a file of the chain, `--set`, the schema's default, or (in a tuning profile) the
 * tuned choice that replaces it at run time.
 */
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { canonicalJson, readUserJson, sha256 } from "../pipeline/stage/mod.ts";
import {
  INHERITED_FIELDS,
  inherits,
  parseProfile,
  type ProfileSpec,
  withInherited,
} from "./profile.ts";

/** A profile with its origins. */
export interface ResolvedProfile {
  /** The profile as written (AMR's `"inherit"` kept; the planner resolves it). */
  profile: ProfileSpec;
  /** Files of the `extends` chain, the named profile first, its ancestors after. */
  chain: string[];
  /** `--set` overrides: dotted path -> parsed value, in the order given. */
  overrides: Record<string, unknown>;
  /** Short hash of the overrides (null without any): names the run's results folder. */
  overridesHash: string | null;
  /** Dotted path of every leaf value -> where it comes from. */
  sources: Record<string, string>;
  /**
   * In a tuning profile, dotted path of each value a selection replaces at run time -> that
   * selection's node, the field in its `chosen.json`, and where the fallback value comes from.
   */
  tuned: Record<string, TunedPath>;
  /** True when the profile came from a path rather than `configs/profiles/`. */
  external: boolean;
}

/** A profile value that a tuning selection replaces at run time. */
export interface TunedPath {
  /** The selection node, e.g. `select-amr`. */
  node: string;
  /** The field of its `chosen.json` values, e.g. `eps`. */
  field: string;
  /** Where the value the profile holds (used by nothing once the selection ran) comes from. */
  fallback: string;
}

/** One value of the resolved profile: dotted path, value as JSON, and its source. */
export interface ConfigRow {
  path: string;
  value: string;
  source: string;
}

/** Options of {@link resolveProfile}. */
export interface ResolveOptions {
  /** Folder relative profile paths are taken from. */
  cwd: string;
  /** Repository root (sources inside it are shown relative to it). */
  root: string;
  /**
   * In a tuning profile, per model the selection node whose choice replaces the listed fields
   * at run time (the planner's map; those values are reported as tuned choices).
   */
  tuned?: Readonly<Record<string, { node: string; override: readonly string[] }>>;
}

/** Names of the profiles in `configs/profiles/` (every `*.json`). */
export async function shippedProfiles(configDir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(configDir, "profiles"))) {
    if (e.isFile && e.name.endsWith(".json")) out.push(e.name.slice(0, -5));
  }
  return out.sort();
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A name (no slash, no `.json`) is a shipped profile; anything else a path. */
function isPath(spec: string): boolean {
  return spec.includes("/") || spec.endsWith(".json");
}

async function readProfileFile(path: string): Promise<Json> {
  let raw: unknown;
  try {
    raw = await readUserJson(path, { what: "profile" });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`profile file ${path} not found`);
    throw e;
  }
  if (!isObject(raw)) throw new Error(`${path}: a profile is a JSON object`);
  return raw;
}

/**
 * Merges `over` into `base`: objects key by key, anything else replaced; records in `sources`
 * that each field set (by its dotted path below `at`) came from `label`.
 */
function merge(
  base: Json,
  over: Json,
  origin: { label: string; sources: Record<string, string>; at?: string },
) {
  const { label, sources, at = "" } = origin;
  for (const [k, v] of Object.entries(over)) {
    const path = at ? `${at}.${k}` : k;
    if (isObject(v) && isObject(base[k])) merge(base[k] as Json, v, { label, sources, at: path });
    else {
      base[k] = structuredClone(v);
      for (const s of Object.keys(sources)) if (s.startsWith(`${path}.`)) delete sources[s];
      if (isObject(v)) leaves(v, path).forEach((p) => (sources[p] = label));
      else sources[path] = label;
    }
  }
}

function leaves(v: Json, at: string): string[] {
  return Object.entries(v).flatMap(([k, x]) =>
    isObject(x) ? leaves(x, `${at}.${k}`) : [`${at}.${k}`]
  );
}

/** Parses `a.b=c`: the value as JSON when it parses (numbers, booleans, arrays), else a string. */
export function parseSet(arg: string): { path: string; value: unknown } {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new Error(`--set ${arg}: expected PATH=VALUE, e.g. models.amr.eps=0.2`);
  const path = arg.slice(0, eq).trim();
  const text = arg.slice(eq + 1).trim();
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) {
    throw new Error(`--set ${arg}: "${path}" is not a dotted field path`);
  }
  if (path === "name" || path === "extends") {
    throw new Error(`--set ${arg}: "${path}" cannot be set (give --profile another file)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    value = text; // not JSON: the value is the string itself
  }
  return { path, value };
}

function setPath(obj: Json, path: string, value: unknown, arg: string): void {
  const parts = path.split(".");
  let cur = obj;
  for (const [i, k] of parts.slice(0, -1).entries()) {
    if (cur[k] === undefined || cur[k] === null) cur[k] = {};
    if (!isObject(cur[k])) {
      throw new Error(
        `--set ${arg}: "${parts.slice(0, i + 1).join(".")}" is not an object in the profile`,
      );
    }
    cur = cur[k] as Json;
  }
  cur[parts[parts.length - 1]] = value;
}

function label(path: string, root: string): string {
  const rel = relative(root, path);
  return rel.startsWith("..") ? path : rel;
}

/**
 * Resolves `--profile` (a name or a path; relative paths against `cwd`) with its `extends`
 * chain and the `--set` overrides, validates the result and records each value's source.
 * Errors name the file, or the `--set`, with the field path and the expected type.
 */
export async function resolveProfile(
  configDir: string,
  spec: string,
  sets: readonly string[],
  opts: ResolveOptions,
): Promise<ResolvedProfile> {
  const shipped = await shippedProfiles(configDir);
  const locate = (s: string, from: string, where = "--profile"): string => {
    if (isPath(s)) return isAbsolute(s) ? s : resolve(from, s);
    if (!shipped.includes(s)) {
      throw new Error(
        `${where}: unknown profile "${s}": one of ${shipped.join(", ")}, or a path to a file`,
      );
    }
    return join(configDir, "profiles", `${s}.json`);
  };
  const first = locate(spec, opts.cwd);
  const chain: string[] = [];
  const raws: Json[] = [];
  for (let file = first;;) {
    if (chain.includes(file)) {
      throw new Error(`profile ${file}: "extends" loops (${[...chain, file].join(" -> ")})`);
    }
    chain.push(file);
    const raw = await readProfileFile(file);
    raws.push(raw);
    if (raw.extends === undefined) break;
    if (typeof raw.extends !== "string") {
      throw new Error(`${file}: field "extends": expected a profile name or path`);
    }
    file = locate(raw.extends, dirname(file), `${file}: "extends"`);
  }
  const sources: Record<string, string> = {};
  const merged: Json = {};
  for (let i = raws.length - 1; i >= 0; i--) {
    const { extends: _e, name: _n, ...fields } = raws[i];
    merge(merged, fields, { label: label(chain[i], opts.root), sources });
  }
  // The name is the named file's own, never inherited: a user's file extending `default` must
  // not publish into `default`'s results folder.
  const external = isPath(spec);
  const own = raws[0].name;
  merged.name = typeof own === "string" ? own : basename(first).replace(/\.json$/, "");
  sources.name = typeof own === "string" ? label(first, opts.root) : "file name";
  if (
    external && shipped.includes(merged.name as string) &&
    first !== locate(merged.name as string, opts.cwd)
  ) {
    throw new Error(
      `${first}: is named "${merged.name}" like a shipped profile; give it another "name"`,
    );
  }
  try {
    parseProfile(merged, label(first, opts.root));
  } catch (e) {
    throw new Error(
      `${(e as Error).message}${
        chain.length > 1
          ? ` (extends chain: ${chain.map((c) => label(c, opts.root)).join(" -> ")})`
          : ""
      }`,
    );
  }

  const overrides: Record<string, unknown> = {};
  for (const arg of sets) {
    const { path, value } = parseSet(arg);
    setPath(merged, path, value, arg);
    overrides[path] = value;
    for (const s of Object.keys(sources)) if (s.startsWith(`${path}.`)) delete sources[s];
    if (isObject(value)) leaves(value, path).forEach((p) => (sources[p] = "--set"));
    else sources[path] = "--set";
    try {
      parseProfile(merged, `--set ${arg}`);
    } catch (e) {
      throw new Error((e as Error).message);
    }
  }
  const profile = parseProfile(merged, label(first, opts.root));
  for (const p of leaves(profile as unknown as Json, "").map((p) => p.slice(1))) {
    sources[p] ??= "schema default";
  }
  // An inherited value's source is the rule, then the file (or --set) that asked for it.
  for (const field of INHERITED_FIELDS.fields) {
    if (!inherits(profile, field)) continue;
    const path = `models.amr.${field}`;
    const from = `models.${INHERITED_FIELDS.from}.${field}`;
    sources[path] = `"inherit" (${sources[path]}): ${from}, paper sec. 4.1.4 (source ` +
      `${sources[from]})`;
  }
  const tuned: Record<string, TunedPath> = {};
  if (profile.tune) {
    for (const [model, t] of Object.entries(opts.tuned ?? {})) {
      for (const field of t.override) {
        for (const p of Object.keys(sources)) {
          if (p === `models.${model}.${field}` || p.startsWith(`models.${model}.${field}.`)) {
            tuned[p] = { node: t.node, field, fallback: sources[p] };
            sources[p] = `tuned choice (${t.node}/chosen.json; the value shown is the fallback ` +
              `from ${sources[p]})`;
          }
        }
      }
    }
  }
  const hasOverrides = Object.keys(overrides).length > 0;
  return {
    profile,
    chain,
    overrides,
    overridesHash: hasOverrides ? sha256(canonicalJson(overrides)).slice(0, 8) : null,
    sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => (a < b ? -1 : 1))),
    tuned,
    external,
  };
}

/** Each leaf of the resolved profile: dotted path, value (JSON) and source, in path order. */
export function configRows(r: ResolvedProfile): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const walk = (v: unknown, at: string) => {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
      return;
    }
    rows.push({ path: at, value: JSON.stringify(v), source: r.sources[at] ?? "?" });
  };
  // Values as the run uses them: an inherited one shows VBPR's value (its source says so).
  walk(withInherited(r.profile), "");
  return rows;
}
