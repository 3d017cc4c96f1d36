import { useState } from 'react';
import { api, type ProviderTestResult } from '../../api.js';
import { useAction } from '../../hooks.js';
import { ErrorBox } from '../../ui/index.js';

/** What a test answer says in words: found with length and version, or the provider's error with its hint. Never the value. */
export function TestOutcome({ result }: { result: ProviderTestResult | undefined }) {
  if (!result) return null;
  if (result.ok) {
    return (
      <div className="alert alert-success test-outcome" role="status">
        Found, {result.length} characters{result.version ? `, version ${result.version}` : ''}.
      </div>
    );
  }
  return (
    <div className="alert alert-error test-outcome" role="alert">
      <strong>Not readable: </strong>
      {result.error.message}
      {result.error.hint ? <div className="small">{result.error.hint}</div> : null}
    </div>
  );
}

/** Reads one reference at a provider now (the "Test" button); `reference` may be the part after the provider id. */
export function useProviderTest() {
  const act = useAction();
  const [result, setResult] = useState<ProviderTestResult>();
  const run = async (providerId: string, reference: string) => {
    setResult(undefined);
    const r = await act.run(() => api.post<ProviderTestResult>(`/secret-providers/${providerId}/test`, { reference }));
    if (r) setResult(r);
  };
  return { run, result, busy: act.busy, error: act.error };
}

/** A reference box and a Test button for one provider (the providers list uses it, a row each: `providerName` tells them apart for screen readers). */
export function ProviderTest({ providerId, providerName, placeholder }: { providerId: string; providerName: string; placeholder: string }) {
  const [reference, setReference] = useState('');
  const test = useProviderTest();
  const id = `test-${providerId}`;
  return (
    <div className="stack">
      <div className="inline">
        <label htmlFor={id} className="visually-hidden">
          Secret to test at {providerName}
        </label>
        <input id={id} value={reference} onChange={(e) => setReference(e.target.value)} placeholder={placeholder} spellCheck={false} />
        <button type="button" className="btn btn-small" disabled={!reference.trim() || test.busy} onClick={() => void test.run(providerId, reference.trim())}>
          {test.busy ? 'Testing…' : 'Test'}
          <span className="sr-only"> a secret at {providerName}</span>
        </button>
      </div>
      <ErrorBox error={test.error} />
      <TestOutcome result={test.result} />
    </div>
  );
}
