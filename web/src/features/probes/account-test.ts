import { useState } from 'react';
import { api, type DiagnosticResult } from '../../api.js';
import { useAction } from '../../hooks.js';

/**
 * "Test connection" for a saved account: the SMTP diagnostic with its stored password. The
 * account page and the wizard's test step share it; the previous result clears while a new one runs.
 */
export function useAccountSmtpTest(accountId: string) {
  const [result, setResult] = useState<DiagnosticResult | null>(null);
  const test = useAction();
  const run = async () => {
    setResult(null);
    const r = await test.run(() => api.post<DiagnosticResult>('/diagnostics/smtp', { accountId }));
    if (r) setResult(r);
  };
  return { result, test, run };
}
