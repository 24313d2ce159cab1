/**
 * Benchmark (not a test): streams a synthetic McAuley `.b` file of more than 1 GB.
 *
 *   deno run -A bench/amazon_b_stream.ts [records=70000]
 *
 * Generates `records` records (70,000 x 16,394 B = 1.15 GB) in a temp folder, then times
 * 1. `scanAmazonFeatures` keeping every second ASIN (read + decode only),
 * 2. `extractAmazonFeatures` with `order` = the kept ASINs reversed (scattered in-place writes),
 * 3. `extractAmazonFeatures` with `keep` (file order: ASIN pre-pass + sequential writes),
 * and prints MB/s (MB = 10^6 bytes of `.b` input) and the peak RSS sampled every 20 ms.
 * The file was just written, so it is read from the page cache: these are warm-cache numbers.
 * The temp folder is removed at the end.
 */
import {
  AMAZON_FEATURE_DIM,
  AMAZON_RECORD_BYTES,
  extractAmazonFeatures,
  scanAmazonFeatures,
} from "../io/amazon_b.ts";

function asinOf(r: number): string {
  return `X${String(r).padStart(9, "0")}`;
}

/** Writes `records` synthetic records in 64 MiB pieces. */
async function generate(path: string, records: number): Promise<void> {
  const perChunk = Math.floor((64 << 20) / AMAZON_RECORD_BYTES);
  const buf = new Uint8Array(perChunk * AMAZON_RECORD_BYTES);
  const view = new DataView(buf.buffer);
  for (let j = 0; j < perChunk; j++) {
    for (let k = 0; k < AMAZON_FEATURE_DIM; k++) {
      view.setFloat32(j * AMAZON_RECORD_BYTES + 10 + 4 * k, ((j * 131 + k) % 997) / 997, true);
    }
  }
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    for (let r0 = 0; r0 < records; r0 += perChunk) {
      const n = Math.min(perChunk, records - r0);
      for (let j = 0; j < n; j++) {
        const asin = asinOf(r0 + j);
        for (let c = 0; c < 10; c++) buf[j * AMAZON_RECORD_BYTES + c] = asin.charCodeAt(c);
      }
      const piece = buf.subarray(0, n * AMAZON_RECORD_BYTES);
      let off = 0;
      while (off < piece.length) off += await file.write(piece.subarray(off));
    }
  } finally {
    file.close();
  }
}

/** Runs `fn`, sampling RSS; returns seconds and peak RSS in bytes. */
async function measure(fn: () => Promise<unknown>): Promise<{ seconds: number; peakRss: number }> {
  let peak = Deno.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 20);
  const t0 = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, peakRss: Math.max(peak, Deno.memoryUsage().rss) };
}

function report(label: string, bytes: number, m: { seconds: number; peakRss: number }): void {
  const mbps = bytes / 1e6 / m.seconds;
  console.log(
    `${label.padEnd(44)} ${m.seconds.toFixed(2).padStart(6)} s  ${
      mbps.toFixed(0).padStart(5)
    } MB/s  peak RSS ${(m.peakRss / 2 ** 20).toFixed(0)} MiB`,
  );
}

async function main(): Promise<void> {
  const records = Number(Deno.args[0] ?? 70_000);
  const dir = await Deno.makeTempDir({ prefix: "amazon_b_bench_" });
  try {
    const path = `${dir}/image_features_Bench.b`;
    const bytes = records * AMAZON_RECORD_BYTES;
    const g = await measure(() => generate(path, records));
    console.log(`file: ${records} records, ${(bytes / 1e9).toFixed(3)} GB (${path})`);
    report("generate", bytes, g);
    const kept = Array.from({ length: Math.ceil(records / 2) }, (_, j) => asinOf(2 * j));
    const keep = new Set(kept);
    console.log(`baseline RSS ${(Deno.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

    let sum = 0;
    const s = await measure(() =>
      scanAmazonFeatures(path, (_asin, f) => {
        sum += f[0];
      }, { keep })
    );
    report(`scan, keep ${kept.length} (half)`, bytes, s);

    const order = kept.slice().reverse();
    const e1 = await measure(() => extractAmazonFeatures(path, `${dir}/rev.npy`, { order }));
    report("extract to .npy, order = kept reversed", bytes, e1);
    await Deno.remove(`${dir}/rev.npy`);

    const e2 = await measure(() => extractAmazonFeatures(path, `${dir}/keep.npy`, { keep }));
    report("extract to .npy, keep set (file order)", bytes, e2);
    if (!Number.isFinite(sum)) console.log("checksum", sum);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
