import type { DiagnosticResult } from '../../api.js';
import { ErrorBox } from '../../ui/index.js';
import { DiagnosticSteps } from './DiagnosticSteps.js';

/** A connection test's button, why the test could not run, and each step of its result as it arrives. */
export function DiagnosticRun({ label, onRun, test, result, disabled }: { label: string; onRun(): void; test: { busy: boolean; error: string | null }; result: DiagnosticResult | null; disabled?: boolean }) {
  return (
    <>
      <div className="form-actions">
        <button type="button" className="btn" onClick={onRun} disabled={test.busy || disabled}>
          {test.busy ? 'Testing…' : label}
        </button>
      </div>
      <ErrorBox error={test.error} title="Test not run" />
      <DiagnosticSteps result={result} running={test.busy} />
    </>
  );
}
