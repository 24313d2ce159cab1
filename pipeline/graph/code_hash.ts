/**
 * Code fingerprints of stage modules: the module's source and every local module it imports
 * transitively, plus the pinned npm packages it imports. The import graph comes from Deno
 * itself (`deno info --json`), never from a hand-written parser.
 */
import { sha256 } from "../stage/hash.ts";

/** The fingerprint of one stage module. */
export interface CodeFingerprint {
  /** SHA-256 over the sorted (path, source hash) pairs and npm specifiers. */
  hash: string;
  /** Repository-relative path -> SHA-256 of its source, for every local module in the closure. */
  modules: Record<string, string>;
  /** npm packages imported by the closure, with their resolved versions. */
  packages: string[];
}

interface InfoModule {
  specifier: string;
  local?: string;
  dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
}

interface InfoGraph {
  modules: InfoModule[];
  redirects: Record<string, string>;
}

/**
 * The fingerprint hash of a module closure: SHA-256 over the (path, source hash) pairs in the
 * record's order (sorted when fingerprinted) and the sorted npm packages. Recomputable from a manifest's `code` record.
 */
export function fingerprintHash(
  modules: Record<string, string>,
  packages: readonly string[],
): string {
  return sha256(
    Object.entries(modules).map(([p, h]) => `${p}\0${h}`).join("\n") + "\n" +
      [...packages].sort().join("\n"),
  );
}

/** Computes fingerprints for many modules from one Deno module graph. */
export class CodeHasher {
  #graph: Map<string, InfoModule> = new Map();
  #redirects: Record<string, string> = {};
  #root: string;
  #config: string | undefined;
  #sourceHashes = new Map<string, string>();
  #cache = new Map<string, CodeFingerprint>();

  private constructor(root: string, config?: string) {
    this.#root = root;
    this.#config = config;
  }

  /**
   * Loads the module graph of `entries` (file URLs or paths) with `deno info --json`;
   * `config` is the deno.json whose import map resolves bare specifiers (default: discovered).
   */
  static async load(entries: string[], root: string, config?: string): Promise<CodeHasher> {
    const hasher = new CodeHasher(root, config);
    const unique = [...new Set(entries)];
    await Promise.all(unique.map((e) => hasher.#addGraph(e)));
    return hasher;
  }

  async #addGraph(entry: string): Promise<void> {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", ...(this.#config ? ["--config", this.#config] : []), entry],
      // From the root, so that deno.json (whose import map names the npm packages) is found
      // wherever the tool was started; elsewhere every fingerprint would lose its packages.
      cwd: this.#root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`deno info failed for ${entry}: ${new TextDecoder().decode(out.stderr)}`);
    }
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as InfoGraph;
    Object.assign(this.#redirects, info.redirects ?? {});
    for (const m of info.modules) this.#graph.set(m.specifier, m);
  }

  /** The fingerprint of a module given by file URL (as `import.meta.url`). */
  async fingerprint(moduleUrl: string): Promise<CodeFingerprint> {
    const cached = this.#cache.get(moduleUrl);
    if (cached) return cached;
    if (!this.#graph.has(moduleUrl)) await this.#addGraph(moduleUrl);
    const locals = new Set<string>();
    const packages = new Set<string>();
    const stack = [moduleUrl];
    while (stack.length > 0) {
      const spec = this.#resolve(stack.pop()!);
      if (spec.startsWith("npm:")) {
        packages.add(spec.replace(/^npm:\/?/, ""));
        continue;
      }
      const mod = this.#graph.get(spec);
      if (!mod?.local || locals.has(mod.local)) continue;
      locals.add(mod.local);
      for (const dep of mod.dependencies ?? []) {
        const s = dep.code?.specifier ?? dep.type?.specifier;
        if (s) stack.push(s);
      }
    }
    const modules: Record<string, string> = {};
    for (const local of [...locals].sort()) {
      modules[this.#relative(local)] = await this.#sourceHash(local);
    }
    const sortedPackages = [...packages].sort();
    const hash = fingerprintHash(modules, sortedPackages);
    const fp = { hash, modules, packages: sortedPackages };
    this.#cache.set(moduleUrl, fp);
    return fp;
  }

  /** The repository root module paths are relative to. */
  get root(): string {
    return this.#root;
  }

  /** True when `moduleUrl` is a local module of the loaded graph (the project's own code). */
  isProjectModule(moduleUrl: string): boolean {
    const mod = this.#graph.get(this.#resolve(moduleUrl));
    return mod?.local !== undefined && mod.local.startsWith(this.#root + "/");
  }

  #resolve(spec: string): string {
    let s = spec;
    for (let i = 0; i < 10 && this.#redirects[s]; i++) s = this.#redirects[s];
    return s;
  }

  #relative(local: string): string {
    return local.startsWith(this.#root + "/") ? local.slice(this.#root.length + 1) : local;
  }

  async #sourceHash(local: string): Promise<string> {
    let h = this.#sourceHashes.get(local);
    if (!h) {
      h = sha256(await Deno.readFile(local));
      this.#sourceHashes.set(local, h);
    }
    return h;
  }
}
