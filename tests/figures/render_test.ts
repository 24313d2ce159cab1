import assert from "node:assert/strict";
import {
  FONT_FAMILY,
  fontFilePaths,
  renderSpec,
  specToSvg,
  svgToPixels,
} from "../../figures/render.ts";
import type { TopLevelSpec } from "vega-lite";

const SPEC: TopLevelSpec = {
  title: "Render Title",
  width: 200,
  height: 120,
  data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }, { x: 3, y: 2.5 }] },
  mark: "line",
  encoding: {
    x: { field: "x", type: "quantitative", title: "Epoch" },
    y: { field: "y", type: "quantitative", title: "HR@10" },
  },
};

/** Count of dark pixels (all channels < 128) in a rectangle of RGBA pixels. */
function darkPixels(
  img: { width: number; height: number; pixels: Uint8Array },
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  let n = 0;
  for (let y = y0; y < Math.min(y1, img.height); y++) {
    for (let x = x0; x < Math.min(x1, img.width); x++) {
      const o = 4 * (y * img.width + x);
      if (img.pixels[o] < 128 && img.pixels[o + 1] < 128 && img.pixels[o + 2] < 128) n++;
    }
  }
  return n;
}

function assertIncludes(text: string, part: string): void {
  assert.ok(text.includes(part), `missing ${JSON.stringify(part)}`);
}

Deno.test("specToSvg: title and axis titles are in the SVG, in the bundled font", async () => {
  const svg = await specToSvg(SPEC);
  assertIncludes(svg, "Render Title");
  assertIncludes(svg, "Epoch");
  assertIncludes(svg, "HR@10");
  assertIncludes(svg, FONT_FAMILY);
});

Deno.test("font files come from the npm package and are TrueType", async () => {
  for (const path of fontFilePaths()) {
    assertIncludes(path, "dejavu-fonts-ttf");
    const head = (await Deno.readFile(path)).subarray(0, 4);
    assert.deepEqual([...head], [0, 1, 0, 0]);
  }
});

Deno.test("svgToPixels: the title area has dark (text) pixels, an empty area has none", async () => {
  const svg = await specToSvg(SPEC);
  const img = await svgToPixels(svg, { scale: 1 });
  // The title is centred above the plot, in the top ~22 px.
  const [cx0, cx1] = [Math.round(img.width * 0.3), Math.round(img.width * 0.7)];
  const title = darkPixels(img, cx0, 0, cx1, 22);
  assert(title > 50, `only ${title} dark pixels in the title band`);
  // The y-axis title is rotated at the far left.
  const yTitle = darkPixels(img, 0, 30, 14, img.height - 30);
  assert(yTitle > 20, `only ${yTitle} dark pixels at the y-axis title`);
  // Without text, the same band is empty: proof that the dark pixels are glyphs.
  const noText = await specToSvg({ ...SPEC, title: undefined } as TopLevelSpec);
  const bare = await svgToPixels(noText, { scale: 1 });
  assert.deepEqual(darkPixels(bare, cx0, 0, cx1, 22), 0);
});

Deno.test("renderSpec: PNG bytes with the PNG signature and an IHDR of the zoomed size", async () => {
  const { svg, png } = await renderSpec(SPEC, { scale: 2 });
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(png.buffer, png.byteOffset);
  assert.deepEqual(String.fromCharCode(...png.subarray(12, 16)), "IHDR");
  const width = Number(/width="(\d+)"/.exec(svg)![1]);
  assert.deepEqual(view.getUint32(16), 2 * width);
});
