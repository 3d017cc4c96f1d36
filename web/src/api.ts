/**
 * The one way the UI talks to Mailroom: JSON over /api/v1 with the session cookie and the
 * CSRF header on writes. Every failure becomes an ApiError whose message is the API's own
 * message, so pages show people what the server said rather than "request failed".
 */
import type { ErrorResponse } from '../../src/http/api-types.js';

/** The shapes of the API's answers: declared once, beside the server that sends them. */
export type * from '../../src/http/api-types.js';

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the session is gone (expired, logged out elsewhere) so the app can show the login page. */
export function setUnauthenticatedHandler(fn: (() => void) | null): void {
  onUnauthenticated = fn;
}

/** Tells every mounted view that configuration changed (the setup banner re-checks). */
export function notifyChanged(): void {
  window.dispatchEvent(new Event('mailroom:changed'));
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Mailroom's error body, or whatever a proxy in front of it answered. */
type ErrorBody = Partial<ErrorResponse> & { message?: string };

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Mailroom cannot be reached. Check that the server is running and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // A proxy's HTML error page, say: fall back to the status line below.
  }
  if (!res.ok) {
    const err = (data as ErrorBody | undefined)?.error;
    const message = err?.message ?? (data as ErrorBody | undefined)?.message ?? `${res.status} ${res.statusText || 'error'}`;
    const apiErr = new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, message, err?.details);
    if (res.status === 401 && path !== '/session') onUnauthenticated?.();
    throw apiErr;
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T = void>(path: string) => request<T>('DELETE', path),
};

/** A readable sentence for anything a page caught. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

/**
 * The field an API validation error names ("aliases[1]", "rateLimit.perMinute", "aliases.0"
 * from the schema check), normalised to dots: "aliases.1". Null when the error names none.
 */
export function errorField(err: unknown): string | null {
  if (!(err instanceof ApiError)) return null;
  const field = (err.details as { field?: unknown } | undefined)?.field;
  if (typeof field !== 'string' || !field) return null;
  return fieldPath(field);
}

/** The API's field path as forms name fields: `reports.overrides[1].report` → `reports.overrides.1.report`, without `body.`. */
export function fieldPath(raw: string): string {
  return raw.replace(/\[(\d+)\]/g, '.$1').replace(/^(body|account)\./, '');
}
