import { ErrorCodes, MailroomError, RENDER_RETRY_AFTER_SEC, type ErrorCode } from '../core/kernel/errors.js';
import type { EngineOutput, RenderJob, TemplateEngine } from '../core/templates/ports.js';
import { startWorkerThread } from '../worker-thread.js';
import { DEFAULT_LIMITS, type RenderLimits } from './limits.js';
import type { EngineFailure, EngineResponse } from './render-protocol.js';
import { RenderPool } from './render-pool.js';

/**
 * The engine's own trouble (`unavailable`: its render threads failing, dying or not starting,
 * or shutting down) is a retryable 503 on every route that renders (POST /messages with a
 * template, previews, test sends, saves, events), not a 500: nothing is wrong with the request.
 * `internal` stays a fault (500): the renderer met an exception it did not expect.
 */
const CODES: Record<EngineFailure['kind'], ErrorCode> = {
  syntax: ErrorCodes.TEMPLATE_SYNTAX,
  render: ErrorCodes.TEMPLATE_RENDER,
  limit: ErrorCodes.TEMPLATE_LIMIT,
  unavailable: ErrorCodes.RENDER_UNAVAILABLE,
  internal: ErrorCodes.INTERNAL,
};

/** "locales.de.html, line 3, column 7: undefined variable: user.name" — where, then what. */
function toError(f: EngineFailure, locale: string | undefined): MailroomError {
  if (f.kind === 'unavailable') {
    return new MailroomError(CODES.unavailable, `the template engine cannot render right now: ${f.message}; try again shortly`, { retryAfterSec: RENDER_RETRY_AFTER_SEC });
  }
  const part = f.part === undefined ? undefined : f.part.startsWith('layout.') || f.part === 'text from html' ? f.part.replace('.', ' ') : locale ? `locales.${locale}.${f.part}` : f.part;
  const at = [part, f.line !== undefined ? `line ${f.line}, column ${f.column}` : undefined].filter(Boolean).join(', ');
  const details = Object.fromEntries(Object.entries({ part: f.part, locale, line: f.line, column: f.column, variable: f.variable, filter: f.filter, tag: f.tag, limit: f.limit }).filter(([, v]) => v !== undefined));
  return new MailroomError(CODES[f.kind], at ? `${at}: ${f.message}` : f.message, details);
}

function unwrap<T>(res: EngineResponse, locale?: string): T {
  if (!res.ok) throw toError(res.failure, locale);
  return res.value as T;
}

export interface LiquidEngineOptions {
  limits?: Partial<RenderLimits>;
  onThreadError?: (err: unknown) => void;
}

/** The TemplateEngine port: LiquidJS in a pool of render threads under hard limits (render-pool.ts). */
export function liquidTemplateEngine(opts: LiquidEngineOptions = {}): TemplateEngine & { close(): Promise<void> } {
  const limits: RenderLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const pool = new RenderPool({
    limits,
    onThreadError: opts.onThreadError,
    spawn: (workerData) =>
      startWorkerThread(import.meta.url, './render-thread', {
        workerData,
        // A render that needs more heap than this ends its own thread, not Mailroom.
        resourceLimits: { maxOldGenerationSizeMb: limits.threadHeapMb, maxYoungGenerationSizeMb: 32 },
      }),
  });
  return {
    render: async (job: RenderJob) => unwrap<EngineOutput>(await pool.run({ op: 'render', job }), job.locale),
    textFromHtml: async (html: string) => unwrap<string>(await pool.run({ op: 'text', html })),
    close: () => pool.close(),
  };
}
