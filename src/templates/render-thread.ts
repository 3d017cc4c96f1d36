import { parentPort, workerData } from 'node:worker_threads';
import type { RenderLimits } from './limits.js';
import { LiquidRenderer, PartFailure } from './liquid-renderer.js';
import type { EngineResponse, FromRenderThread, ToRenderThread } from './render-protocol.js';

/**
 * A render thread (see render-pool.ts): renders one request after the other and answers each
 * at once. It holds no data of its own beyond parsed templates; the main thread may terminate
 * it at any moment (a render past its deadline) and start another.
 */
const port = parentPort;
if (!port) throw new Error('render-thread.ts runs as a worker thread');
const { limits, progress } = workerData as { limits: RenderLimits; progress: SharedArrayBuffer };
const renderer = new LiquidRenderer(limits, new Int32Array(progress));

function answer(req: ToRenderThread['req']): EngineResponse {
  try {
    return { ok: true, value: req.op === 'render' ? renderer.render(req.job) : renderer.text(req.html) };
  } catch (err) {
    if (err instanceof PartFailure) return { ok: false, failure: err.failure };
    // Not a template's failure nor a limit: a bug in the renderer (MAILROOM_E_INTERNAL, never "try again").
    return { ok: false, failure: { kind: 'internal', message: err instanceof Error ? err.message : String(err) } };
  }
}

port.on('message', (m: ToRenderThread) => port.postMessage({ id: m.id, res: answer(m.req) } satisfies FromRenderThread));
// Deadlines count from here: loading the thread (slow from source, under load) is not a render's time.
port.postMessage({ ready: true } satisfies FromRenderThread);
