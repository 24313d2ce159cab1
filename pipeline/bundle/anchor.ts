/**
 * The anchor of a bundle: one digest over every file in it, which an author publishes (or signs)
 * with their results, so that a reviewer can tell the bundle they hold from a forged one, however
 * consistent the forgery.
 *
 * The root is a Merkle tree of depth one: its leaves are the SHA-256 of every file of the bundle
 * (every manifest, output, result, `bundle.json`, `state.json`), listed in `SHA256SUMS` in
 * `sha256sum` format (`<hex>  <path>`, sorted by path, bytewise); the root is the SHA-256 of
 * `SHA256SUMS` itself. `sha256sum SHA256SUMS` recomputes it (docs/trust.md). The archive carries
 * it in `ROOT` (one line) and optionally an SSH signature of that line in `ROOT.sig`
 * (`ssh-keygen -Y sign`, namespace {@link SIGNATURE_NAMESPACE}); neither is listed in
 * `SHA256SUMS`.
 *
 * @module
 */
import { join } from "node:path";
import { sha256 } from "../stage/hash.ts";

/** The file holding the root inside a bundle. */
export const ROOT_FILE = "ROOT";
/** The file holding the SSH signature of the root inside a bundle. */
export const SIGNATURE_FILE = "ROOT.sig";
/** The `ssh-keygen -Y` namespace of a bundle root signature. */
export const SIGNATURE_NAMESPACE = "bundle-root";

/** The root of a bundle whose `SHA256SUMS` has this content. */
export function bundleRoot(sha256sums: string | Uint8Array): string {
  return sha256(sha256sums);
}

/** The exact bytes that are signed: the root and a newline (the content of `ROOT`). */
export function rootMessage(root: string): string {
  return `${root}\n`;
}

async function sshKeygen(
  args: string[],
  stdin?: string,
): Promise<{ code: number; out: string; err: string }> {
  let child;
  try {
    child = new Deno.Command("ssh-keygen", {
      args,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error("ssh-keygen not found: install OpenSSH (openssh-client) to sign or check");
    }
    throw e;
  }
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const o = await child.output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr).trim() };
}

/** Signs the root with an SSH private key (`ssh-keygen -Y sign`); returns the signature text. */
export async function signRoot(root: string, keyFile: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "bundle-sign-" });
  try {
    const msg = join(dir, ROOT_FILE);
    await Deno.writeTextFile(msg, rootMessage(root));
    const r = await sshKeygen(["-Y", "sign", "-q", "-f", keyFile, "-n", SIGNATURE_NAMESPACE, msg]);
    if (r.code !== 0) throw new Error(`ssh-keygen -Y sign with ${keyFile} failed: ${r.err}`);
    return await Deno.readTextFile(`${msg}.sig`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Checks a signature of `root` against an `allowed_signers` file (`ssh-keygen -Y
 * find-principals`, then `-Y verify`). Returns the signer's principal, or throws saying why not.
 */
export async function verifyRootSignature(
  root: string,
  signature: string,
  allowedSigners: string,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "bundle-sig-" });
  try {
    const sig = join(dir, SIGNATURE_FILE);
    await Deno.writeTextFile(sig, signature);
    const found = await sshKeygen(["-Y", "find-principals", "-s", sig, "-f", allowedSigners]);
    const principal = found.out.split("\n").map((s) => s.trim()).find(Boolean);
    if (found.code !== 0 || !principal) {
      throw new Error(`the signature's key is not in ${allowedSigners}`);
    }
    const ok = await sshKeygen([
      "-Y",
      "verify",
      "-f",
      allowedSigners,
      "-I",
      principal,
      "-n",
      SIGNATURE_NAMESPACE,
      "-s",
      sig,
    ], rootMessage(root));
    if (ok.code !== 0) {
      throw new Error(`the signature does not sign root ${root}: ${ok.err || ok.out.trim()}`);
    }
    return principal;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
