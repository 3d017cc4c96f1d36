/**
 * The limits every render runs under (docs/templates.md, "Limits"). LiquidJS's own limits are
 * the first line and fail fast with a clear message; they are not a sandbox (several
 * advisories bypassed them), so the hard guarantees are outside the engine: each render runs in
 * a worker thread that is terminated when it passes its deadline, with an output cap and a heap
 * of its own.
 */
export interface RenderLimits {
  /** Wall-clock time one render may take before its thread is terminated (and replaced). */
  deadlineMs: number;
  /** Characters of subject, HTML and text together that one render may produce. */
  outputChars: number;
  /** LiquidJS renderLimit: ms one render() may take, checked between tags. */
  engineRenderMs: number;
  /**
   * LiquidJS memoryLimit: roughly the characters and array slots one render may allocate. It
   * must stay well below the thread's heap: on Node 20 a worker whose heap limit is hit by one
   * large array allocation does not end alone — V8 aborts the whole process — so LiquidJS's
   * count (which charges ranges, splits, concats … before allocating) is what keeps arrays small.
   */
  engineMemory: number;
  /** LiquidJS parseLimit: characters one parse may read. */
  engineParseChars: number;
  /** Heap of one render thread, MiB (a render that needs more ends its thread). */
  threadHeapMb: number;
  /** Render threads: renders run side by side, and a stuck one does not hold the others up. */
  threads: number;
  /** Parsed template versions kept per thread. */
  cacheEntries: number;
}

export const DEFAULT_LIMITS: Readonly<RenderLimits> = Object.freeze({
  deadlineMs: 2_000,
  outputChars: 2 * 1024 * 1024,
  engineRenderMs: 1_000,
  // 8 M slots: the largest array a template can make is ~64 MiB, a quarter of the thread's heap.
  engineMemory: 8 * 1024 * 1024,
  engineParseChars: 4 * 1024 * 1024,
  threadHeapMb: 256,
  threads: 2,
  cacheEntries: 2_000,
});
