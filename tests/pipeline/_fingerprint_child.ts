/**
 * Prints the code fingerprint of the toy stages as the CLI computes it (for
 * `code_hash_test.ts`, which starts this from a folder outside the checkout).
 */
import { CodeHasher } from "../../pipeline/graph/code_hash.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const url = new URL("./toy_stages.ts", import.meta.url).href;
const hasher = await CodeHasher.load([url], root);
console.log(JSON.stringify(await hasher.fingerprint(url)));
