/**
 * Renders a Vega-Lite spec to SVG (vega-lite compile + vega's headless `View.toSVG()`) and the
 * SVG to PNG (resvg-wasm).
 *
 * Text must survive into the PNG, and resvg sees no system fonts here, so the DejaVu Sans TTF
 * files shipped by the npm package `dejavu-fonts-ttf` (pinned in deno.json) are loaded
 * explicitly and named as the default family both in the Vega config and in resvg. The resvg
 * WebAssembly module is read from the npm package's own `index_bg.wasm`, never fetched.
 *
 * @module
 */

import { createRequire } from "node:module";
import * as vega from "vega";
import { compile } from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
// Static import so that Deno downloads the font package with the module graph; the TTF files
// themselves are located through `require.resolve`.
import fontPackage from "dejavu-fonts-ttf/package.json" with { type: "json" };

export type { TopLevelSpec };

/** The font family used for every figure (Vega config and resvg default). */
export const FONT_FAMILY = "DejaVu Sans";

/** Version of the font package the TTF files come from (for provenance). */
export const FONT_PACKAGE = `dejavu-fonts-ttf@${fontPackage.version}`;

const FONT_FILES = [
  "dejavu-fonts-ttf/ttf/DejaVuSans.ttf",
  "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf",
  "dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf",
];

/** Options of {@link svgToPng} and {@link svgToPixels}. */
export interface PngOptions {
  /** Zoom factor applied to the SVG's own size (default 2, for crisp text). */
  readonly scale?: number;
  /** CSS background colour (default white; "transparent" keeps alpha). */
  readonly background?: string;
}

/** Raw RGBA pixels of a rendered SVG. */
export interface RenderedPixels {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Row-major RGBA, 4 bytes per pixel. */
  readonly pixels: Uint8Array;
}

/** A rendered figure. */
export interface RenderedFigure {
  /** Standalone SVG document. */
  readonly svg: string;
  /** PNG file bytes. */
  readonly png: Uint8Array;
}

const require = createRequire(import.meta.url);
let wasmReady: Promise<void> | undefined;
let fontBuffers: Uint8Array[] | undefined;

/** Absolute paths of the TTF files loaded into resvg. */
export function fontFilePaths(): string[] {
  return FONT_FILES.map((f) => require.resolve(f));
}

function ensureWasm(): Promise<void> {
  if (wasmReady === undefined) {
    const path = require.resolve("@resvg/resvg-wasm/index_bg.wasm");
    wasmReady = Deno.readFile(path).then((bytes) => initWasm(bytes));
  }
  return wasmReady;
}

async function fonts(): Promise<Uint8Array[]> {
  if (fontBuffers === undefined) {
    fontBuffers = await Promise.all(fontFilePaths().map((p) => Deno.readFile(p)));
  }
  return fontBuffers;
}

/**
 * Returns a copy of the spec whose config sets {@link FONT_FAMILY} as the font of every text
 * mark, title, axis and legend (entries already in the spec's config win).
 *
 * @param spec a Vega-Lite top-level spec
 */
export function withFont(spec: TopLevelSpec): TopLevelSpec {
  const config = (spec.config ?? {}) as Record<string, unknown>;
  return {
    ...spec,
    config: {
      font: FONT_FAMILY,
      background: "white",
      ...config,
    },
  } as TopLevelSpec;
}

/**
 * Compiles a Vega-Lite spec and renders it headlessly (renderer "none") to an SVG string.
 *
 * @param spec a Vega-Lite top-level spec with inline data
 */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(withFont(spec)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function resvgFor(svg: string, buffers: Uint8Array[], opts: PngOptions) {
  return new Resvg(svg, {
    fitTo: { mode: "zoom", value: opts.scale ?? 2 },
    background: opts.background ?? "white",
    font: {
      fontBuffers: buffers,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
      serifFamily: FONT_FAMILY,
      monospaceFamily: FONT_FAMILY,
    },
  });
}

/**
 * Rasterises an SVG to raw RGBA pixels with the bundled font.
 *
 * @param svg an SVG document
 * @param opts zoom and background
 */
export async function svgToPixels(svg: string, opts: PngOptions = {}): Promise<RenderedPixels> {
  await ensureWasm();
  const resvg = resvgFor(svg, await fonts(), opts);
  const image = resvg.render();
  try {
    return { width: image.width, height: image.height, pixels: image.pixels.slice() };
  } finally {
    image.free();
    resvg.free();
  }
}

/**
 * Rasterises an SVG to PNG bytes with the bundled font.
 *
 * @param svg an SVG document
 * @param opts zoom and background
 */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Uint8Array> {
  await ensureWasm();
  const resvg = resvgFor(svg, await fonts(), opts);
  const image = resvg.render();
  try {
    return image.asPng();
  } finally {
    image.free();
    resvg.free();
  }
}

/**
 * Renders a Vega-Lite spec to both SVG and PNG.
 *
 * @param spec a Vega-Lite top-level spec with inline data
 * @param opts PNG zoom and background
 */
export async function renderSpec(
  spec: TopLevelSpec,
  opts: PngOptions = {},
): Promise<RenderedFigure> {
  const svg = await specToSvg(spec);
  return { svg, png: await svgToPng(svg, opts) };
}
