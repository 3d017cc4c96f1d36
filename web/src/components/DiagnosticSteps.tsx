import type { DiagnosticResult, DiagnosticStep } from '../types.js';
import { Spinner } from './ui.js';

const STEP_LABELS: Record<string, string> = {
  dns: 'DNS lookup',
  tcp: 'TCP connect',
  tls: 'TLS handshake',
  ehlo: 'EHLO (capabilities)',
  starttls: 'STARTTLS',
  auth: 'Login (AUTH)',
  send: 'Test message',
  login: 'Login',
  inbox: 'Open INBOX',
};

const ICON: Record<string, string> = { pass: '✓', fail: '✕', skip: '–' };

function Step({ step }: { step: DiagnosticStep }) {
  return (
    <li className={`diag-step diag-${step.status}`} data-step={step.name} data-status={step.status}>
      <span className="diag-icon" aria-hidden="true">
        {ICON[step.status] ?? '•'}
      </span>
      <div className="diag-body">
        <div className="diag-head">
          <strong>{STEP_LABELS[step.name] ?? step.name}</strong>
          <span className="sr-only"> {step.status === 'pass' ? 'passed' : step.status === 'fail' ? 'failed' : 'skipped'}</span>
          {typeof step.durationMs === 'number' ? <span className="muted small">{step.durationMs} ms</span> : null}
        </div>
        {step.detail ? <div className="diag-detail">{step.detail}</div> : null}
        {step.reply ? (
          <pre className="diag-reply" aria-label="Server reply">
            {step.reply}
          </pre>
        ) : null}
        {step.hint ? (
          <div className="diag-hint">
            <strong>Hint:</strong> {step.hint}
          </div>
        ) : null}
      </div>
    </li>
  );
}

/** Each step of a connection test, green or red, with the server's reply and our hint. */
export function DiagnosticSteps({ result, running }: { result: DiagnosticResult | null; running: boolean }) {
  if (running && !result) return <Spinner label="Testing the connection…" />;
  if (!result) return null;
  return (
    <div className="diag" aria-live="polite" data-testid="diagnostics">
      <p className={result.ok ? 'diag-summary ok' : 'diag-summary bad'}>{result.ok ? 'Connection test passed.' : 'Connection test failed.'}</p>
      <ol className="diag-steps">
        {result.steps.map((s, i) => (
          <Step key={`${s.name}-${i}`} step={s} />
        ))}
      </ol>
    </div>
  );
}
