import type { EngineOutput, RenderJob, TemplateErrorDetails } from '../core/templates/ports.js';

/** What the main thread asks a render thread. */
export type EngineRequest = { op: 'render'; job: RenderJob } | { op: 'text'; html: string };

/** Where a render failed: the part of the template or of its layout. */
export const PARTS = ['', 'subject', 'html', 'text', 'layout.html', 'layout.text', 'text from html'] as const;
export type Part = Exclude<(typeof PARTS)[number], ''>;

/**
 * Why a render failed. `syntax`: a source does not parse; `render`: a variable, filter or
 * tag failed while rendering; `limit`: a limit stopped it; `internal`: the thread failed.
 */
export interface EngineFailure extends Omit<TemplateErrorDetails, 'part' | 'locale'> {
  kind: 'syntax' | 'render' | 'limit' | 'internal';
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
