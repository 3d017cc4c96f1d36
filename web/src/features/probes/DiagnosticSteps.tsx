import type { DiagnosticResult } from '../../api.js';
import { Spinner } from '../../ui/index.js';
import { ProbeStep, ProbeSteps } from './ProbeSteps.js';
import { encryptionInWords } from '../senders/encryption-words.js';
import { STEP_LABELS } from '../../../../src/core/probes/step-labels.js';

const ICON: Record<string, string> = { pass: '✓', fail: '✕', skip: '–' };

/** Each step of a connection test, green or red, with the server's reply and our hint. */
export function DiagnosticSteps({ result, running }: { result: DiagnosticResult | null; running: boolean }) {
  if (running && !result) return <Spinner label="Testing the connection…" />;
  if (!result) return null;
  return (
    <ProbeSteps ok={result.ok} summary={result.ok ? 'Connection test passed.' : 'Connection test failed.'} testId="diagnostics">
      {/* The UI's connection tests never ask for a test message (Send test email does that): its skipped step would only name the API's parameters. */}
      {result.steps.filter((step) => !(step.name === 'send' && step.status === 'skip')).map((step, i) => (
        <ProbeStep
          key={`${step.name}-${i}`}
          status={step.status}
          icon={ICON[step.status] ?? '•'}
          title={STEP_LABELS[step.name] ?? step.name}
          head={
            <>
              <span className="sr-only"> {step.status === 'pass' ? 'passed' : step.status === 'fail' ? 'failed' : 'skipped'}</span>
              {typeof step.durationMs === 'number' ? <span className="muted small">{step.durationMs} ms</span> : null}
            </>
          }
          detail={encryptionInWords(step.detail)}
          reply={step.reply}
          replyLabel="Server reply"
          hint={encryptionInWords(step.hint)}
          attrs={{ 'data-step': step.name }}
        />
      ))}
    </ProbeSteps>
  );
}
