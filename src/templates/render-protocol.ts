import type { EngineOutput, RenderJob, TemplateErrorDetails } from '../core/templates/ports.js';

/** What the main thread asks a render thread. */
export type EngineRequest = { op: 'render'; job: RenderJob } | { op: 'text'; html: string };

/** Where a render failed: the part of the template or of its layout. */
export const PARTS = ['', 'subject', 'html', 'text', 'layout.html', 'layout.text', 'text from html'] as const;
export type Part = Exclude<(typeof PARTS)[number], ''>;

/**
 * Why a render failed. `syntax`: a source does not parse; `render`: a variable, filter or
 * tag failed while rendering; `limit`: a limit stopped it; `unavailable`: the engine could not
 * render it at all (its thread failed, died or never started, or the engine is shutting down:
 * nothing of the template's, the same request renders later); `internal`: the renderer met an
 * exception it did not expect (a bug).
 */
export interface EngineFailure extends Omit<TemplateErrorDetails, 'part' | 'locale'> {
  kind: 'syntax' | 'render' | 'limit' | 'unavailable' | 'internal';
  message: string;
  part?: Part;
}

export type EngineResponse = { ok: true; value: EngineOutput | string } | { ok: false; failure: EngineFailure };

export interface ToRenderThread {
  id: number;
  req: EngineRequest;
}

/** An answer, or (once, first) word that the thread has loaded and renders from now on. */
export type FromRenderThread = { id: number; res: EngineResponse } | { ready: true };
