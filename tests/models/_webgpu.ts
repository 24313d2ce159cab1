/**
 * WebGPU in tests: whether this machine has an adapter (CI installs lavapipe, a software Vulkan
 * driver, in `.ci/run`), and switching a test process to tfjs's WebGPU backend.
 */
import * as tf from "@tensorflow/tfjs";
import { NoAdapterError, requireAdapter } from "../../models/backend.ts";

/**
 * True when a WebGPU adapter is present; otherwise prints why the caller skips and returns
 * false. Mesa prints "XDG_RUNTIME_DIR is invalid" when the variable is unset: a temp folder
 * keeps the test output clean.
 */
export async function hasWebgpu(what: string): Promise<boolean> {
  if (!Deno.env.get("XDG_RUNTIME_DIR")) Deno.env.set("XDG_RUNTIME_DIR", Deno.makeTempDirSync());
  try {
    await requireAdapter();
    return true;
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    console.log(`skipped ${what}: ${e.message}`);
    return false;
  }
}

/** Makes tfjs's WebGPU backend the active one (after WASM reference values were computed). */
export async function switchToWebgpu(): Promise<void> {
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) throw new Error("the WebGPU backend failed to start");
  await tf.ready();
}
