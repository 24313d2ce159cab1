/**
 * Preloaded (`deno run --preload`) by tests/e2e/webgpu_test.ts: hides every WebGPU adapter, as
 * on a machine without a Vulkan driver (on this one, hiding the Vulkan driver is not enough:
 * wgpu then finds Mesa's OpenGL one).
 */
const gpu = (navigator as { gpu?: object }).gpu;
if (gpu) Object.defineProperty(gpu, "requestAdapter", { value: () => Promise.resolve(null) });
