/**
 * Locates the project's `shared/` folder (the authors' real `pos.txt` lives there): beside the
 * checkout (`../shared`, as on developer machines and CI), or `AMR_SHARED_DIR`.
 */
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Path of the authors' unchanged `pos.txt`, or null when no shared folder is present. */
export function authorsPosPath(): string | null {
  const candidates = [Deno.env.get("AMR_SHARED_DIR"), join(ROOT, "..", "shared")].filter(
    (d): d is string => !!d,
  );
  for (const dir of candidates) {
    const p = join(dir, "data", "amr-pinterest", "pos.txt");
    try {
      Deno.statSync(p);
      return p;
    } catch {
      // try the next one
    }
  }
  return null;
}

/** Why a test needing the real `pos.txt` is skipped (printed once), or null when present. */
export function missingSharedReason(): string | null {
  if (authorsPosPath()) return null;
  console.warn(
    "skipping: shared/data/amr-pinterest/pos.txt not found beside the checkout (set AMR_SHARED_DIR)",
  );
  return "no shared data";
}
