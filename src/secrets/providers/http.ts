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
  headers: Record<string, string | string[] | undefined>;
}

/** Why a request never got an answer, in the admin's words (no URL query, no credential). */
function networkHint(err: unknown): { message: string; hint: string } {
  const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = e.cause?.code ?? e.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/.test(code) || /certificate/i.test(e.cause?.message ?? e.message ?? '')) {
    return { message: `TLS: ${e.cause?.message ?? e.message}`, hint: "The provider's certificate is not trusted: add its CA certificate (PEM) to the provider's caCertificate, or check the host name in the URL." };
  }
  if (/ECONNREFUSED/.test(code)) return { message: 'connection refused', hint: 'Nothing listens at that address and port: check the URL and that the service is running.' };
  if (/ENOTFOUND|EAI_AGAIN/.test(code)) return { message: 'host name not found', hint: 'The host name in the URL does not resolve from this machine.' };
  if (/TIMEOUT|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT/.test(code)) return { message: 'timed out', hint: 'The provider did not answer in time: a firewall may drop the traffic, or raise config.timeoutSec.' };
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
  opts: { method: 'GET' | 'POST' | 'LIST'; url: string; headers?: Record<string, string>; body?: string; timeoutSec: number; what?: string },
): Promise<HttpAnswer> {
  try {
    const res = await request(opts.url, {
      method: opts.method as Dispatcher.HttpMethod,
      headers: { accept: 'application/json', ...(opts.headers ?? {}) },
      body: opts.body,
      dispatcher: agent,
      signal: AbortSignal.timeout(opts.timeoutSec * 1000),
    } as Parameters<typeof request>[1]);
    const text = await readBody(res.body);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, headers: res.headers };
  } catch (err) {
    const { message, hint } = networkHint(err);
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
export function excerpt(s: unknown, secrets: readonly SecretInput[] = []): string {
  return providerText(redactSecrets(String(s ?? ''), secrets), 300);
}
