/**
 * GET /accounts/:id/oauth2: the token's health, the redirect URI to register at the provider,
 * and what the last "Connect" came to (as the process that answered saw it; null when unknown).
 */
export interface OAuth2Status {
  health: { status: 'ok' | 'error' | 'unknown'; grant: 'refresh_token' | 'client_credentials'; expiresAt: string | null; checkedAt: string | null; error: { message: string; hint?: string } | null };
  redirectUri: string;
  lastConnect: { outcome: 'connected' | 'failed'; reason: string | null; message: string; hint: string | null; at: string } | null;
}

/** How the account page's Connect button names each provider. */
export const PROVIDER_LABEL: Record<string, string> = { microsoft: 'Microsoft', google: 'Google', generic: 'the provider' };
