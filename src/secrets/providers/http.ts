import { Agent, request, type Dispatcher } from 'undici';
import { rootCertificates } from 'node:tls';
import { unresolved } from '../../core/credentials/references.js';
import { providerText } from '../../core/kernel/provider-text.js';
import { redactSecrets, type SecretInput } from '../../core/kernel/redact-secrets.js';

/** Answers larger than this are not a secret: reading stops there. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface TlsOptions {
  /** An extra trust anchor (a private CA or a self-signed provider); the system CAs stay trusted. */
  caCertificate: string | null;
  /** Client certificate and key (CyberArk CCP authenticates the application by them). */
  clientCertificate?: string;
  clientKey?: string;
  timeoutSec: number;
}

/** One provider's connection pool: TLS verified always, the provider's CA added, a client certificate when given. */
export function providerAgent(tls: TlsOptions): Agent {
  return new Agent({
    connect: {
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ...(tls.caCertificate ? { ca: [...rootCertificates, tls.caCertificate] } : {}),
      ...(tls.clientCertificate && tls.clientKey ? { cert: tls.clientCertificate, key: tls.clientKey } : {}),
      timeout: tls.timeoutSec * 1000,
    },
    headersTimeout: tls.timeoutSec * 1000,
    bodyTimeout: tls.timeoutSec * 1000,
    keepAliveTimeout: 30_000,
  });
}

export interface HttpAnswer {
  status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  json: unknown;
  /** The body as received (at most MAX_BODY_BYTES), to quote an answer that is not JSON. */
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A request that ran out of time: undici's own connect, headers and body timeouts, and the
 * AbortSignal.timeout every request carries (a DOMException named TimeoutError, numeric code 23,
 * which no code test catches; an AbortError when undici wraps it).
 */
function timedOut(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted && (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError') return true;
  const e = err as { name?: unknown; code?: unknown; cause?: { name?: unknown; code?: unknown } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return true;
  const code = String(e?.cause?.code ?? e?.code ?? '');
  return /TIMEOUT|ETIMEDOUT/.test(code);
}

/**
 * Why a request never got an answer, in the admin's words (no URL query, no credential).
 * `timeout`: how long it waited, and the setting that raises it (null when it is fixed).
 */
function networkHint(err: unknown, timeout: { sec: number; setting: string | null }, signal?: AbortSignal): { message: string; hint: string } {
  const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = String(e.cause?.code ?? e.code ?? '');
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/.test(code) || /certificate/i.test(e.cause?.message ?? e.message ?? '')) {
    return { message: `TLS: ${e.cause?.message ?? e.message}`, hint: "The provider's certificate is not trusted: add its CA certificate (PEM) to the provider's caCertificate, or check the host name in the URL." };
  }
  if (/ECONNREFUSED/.test(code)) return { message: 'connection refused', hint: 'Nothing listens at that address and port: check the URL and that the service is running.' };
  if (/ENOTFOUND|EAI_AGAIN/.test(code)) return { message: 'host name not found', hint: 'The host name in the URL does not resolve from this machine.' };
  if (timedOut(err, signal)) {
    return {
      message: `no answer within ${timeout.sec} s`,
      hint: `The provider did not answer within ${timeout.sec} s: it may be overloaded, or a firewall or proxy may hold the traffic. Check that it answers from this machine` +
        (timeout.setting ? `, or raise ${timeout.setting} if it is only slow.` : ', and try again.'),
    };
  }
  if (/ECONNRESET|EPIPE|UND_ERR_SOCKET/.test(code)) return { message: 'the connection was closed', hint: 'The provider closed the connection without answering: it may be down or restarting behind its load balancer, require a client certificate (CyberArk: the one registered for the AppID), or a proxy is in the way.' };
  return { message: e.cause?.message ?? e.message ?? String(err), hint: 'The provider could not be reached.' };
}

async function readBody(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One HTTPS request to a provider. Network failures become MAILROOM_E_SECRET_UNRESOLVED for
 * `ref` with a hint; any HTTP status is returned for the provider's own error mapping.
 */
export async function call(
  agent: Agent,
  ref: string,
  opts: {
    method: 'GET' | 'POST' | 'LIST';
    url: string;
    headers?: Record<string, string>;
    body?: string;
    timeoutSec: number;
    what?: string;
    /** The setting that raises `timeoutSec`, named in a timeout's hint (default config.timeoutSec); null when it is fixed. */
    timeoutSetting?: string | null;
  },
): Promise<HttpAnswer> {
  const signal = AbortSignal.timeout(opts.timeoutSec * 1000);
  try {
    const res = await request(opts.url, {
      method: opts.method as Dispatcher.HttpMethod,
      headers: { accept: 'application/json', ...(opts.headers ?? {}) },
      body: opts.body,
      dispatcher: agent,
      signal,
    } as Parameters<typeof request>[1]);
    const text = await readBody(res.body);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, text, headers: res.headers };
  } catch (err) {
    const { message, hint } = networkHint(err, { sec: opts.timeoutSec, setting: opts.timeoutSetting === undefined ? 'config.timeoutSec' : opts.timeoutSetting }, signal);
    // The host, never the path or query: a provider with two hosts (Azure's sign-in authority and
    // its vault) must say which one failed, and a URL's query may carry a credential.
    throw unresolved(ref, `${opts.what ?? 'the provider'} at ${hostOf(opts.url)} could not be reached (${message})`, { hint });
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the configured URL';
  }
}

/**
 * A short, single-line excerpt of a provider's error text, cleaned as the Connect page cleans a
 * provider's words: no control characters, and none of the invisible ones that reorder or hide
 * text (bidi overrides, zero-width). A provider may echo what it was sent (Vault's "permission
 * denied: token hvs.… has no policy"), so `secrets`, the credentials the request carried, are
 * hidden first: before the cut, which could otherwise leave a secret's beginning.
 */
export function excerpt(s: unknown, secrets: readonly SecretInput[] = [], max = 300): string {
  return providerText(redactSecrets(String(s ?? ''), secrets), max);
}

/** An answer's media type ("text/html"), or null when it has none that looks like one. */
export function mediaTypeOf(headers: HttpAnswer['headers']): string | null {
  const raw = headers['content-type'];
  const type = String(Array.isArray(raw) ? raw[0] : (raw ?? '')).split(';')[0].trim().toLowerCase();
  return /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type) ? type : null;
}

/**
 * An HTML page's text: tags, comments, scripts and styles each become a space. One pass with
 * indexOf, linear in the page: the regular expressions it replaces (`<script>…</script>` lazily,
 * `<[^>]*>`) went back over the rest of the page for every opening without its end, and a
 * provider's 1 MB answer of `<script>` repeated held the process for 50 s.
 */
function withoutMarkup(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) return out + html.slice(i);
    out += `${html.slice(i, lt)} `;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      if (end < 0) return out;
      i = end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    // An opening never closed: the rest is markup.
    if (gt < 0) return out;
    i = gt + 1;
    const element = /^<(script|style)\b/.exec(lower.slice(lt, lt + 7));
    if (element) {
      const close = lower.indexOf(`</${element[1]}`, i);
      if (close < 0) return out;
      const closeEnd = html.indexOf('>', close);
      i = closeEnd < 0 ? html.length : closeEnd + 1;
    }
  }
  return out;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * A short excerpt of an answer that is not the JSON asked for (an error page from the provider or
 * a proxy), readable: an HTML page's text without its markup, scripts and styles. The secrets are
 * hidden in the raw text and again in the decoded one (a page may quote them entity-encoded).
 */
export function bodyExcerpt(text: string, secrets: readonly SecretInput[] = [], max = 160): string {
  let readable = redactSecrets(text, secrets);
  if (/<[a-z!/][^<>]*>/i.test(readable)) {
    readable = withoutMarkup(readable).replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1));
      return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
    });
  }
  return excerpt(readable, secrets, max);
}
