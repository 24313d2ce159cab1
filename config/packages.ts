/**
 * The npm packages pinned in `deno.json`'s import map, read in one place: the tfjs version
 * enters the cache keys (runtime facts) and the report lists every pinned package.
 */
import denoJson from "../deno.json" with { type: "json" };

const IMPORTS = denoJson.imports as Record<string, string>;

/**
 * Pinned packages as `name -> name@version` (the `npm:` prefix dropped); sub-path entries such
 * as `csv-parse/sync` are left out, scoped names (`@scope/name`) kept.
 */
export function pinnedPackages(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(IMPORTS)) {
    if (name.includes("/") && !name.startsWith("@")) continue;
    out[name] = spec.replace(/^npm:/, "");
  }
  return out;
}

/** The pinned version of a package (e.g. `4.22.0`); throws when deno.json does not pin it. */
export function pinnedVersion(name: string): string {
  const version = IMPORTS[name]?.match(/@(\d[^/]*)$/)?.[1];
  if (!version) throw new Error(`deno.json: no pinned version for "${name}"`);
  return version;
}
