/**
 * The git commit of a checkout, for provenance: the commit and whether the work tree differs
 * from it. Both are null outside a git checkout or without git.
 */

/** Commit and dirtiness of a checkout. */
export interface GitInfo {
  commit: string | null;
  /** True when tracked files differ from the commit (untracked files do not count). */
  dirty: boolean | null;
}

async function git(root: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", {
      args: ["-C", root, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null; // git not installed
    throw e;
  }
}

/** The commit checked out at `root` and whether tracked files changed since. */
export async function gitInfo(root: string): Promise<GitInfo> {
  const commit = await git(root, ["rev-parse", "HEAD"]);
  if (commit === null) return { commit: null, dirty: null };
  const status = await git(root, ["status", "--porcelain", "--untracked-files=no"]);
  return { commit, dirty: status === null ? null : status.length > 0 };
}
