import type { ReactNode } from 'react';

/** A probe's verdict and its steps, green or red; announced when it arrives. */
export function ProbeSteps({ ok, summary, testId, children }: { ok: boolean; summary: string; testId?: string; children: ReactNode }) {
  return (
    <div className="diag" aria-live="polite" data-testid={testId}>
      <p className={ok ? 'diag-summary ok' : 'diag-summary bad'}>{summary}</p>
      <ol className="diag-steps">{children}</ol>
    </div>
  );
}

interface StepProps {
  status: string;
  icon: string;
  title: string;
  /** After the title: the verdict in words, a duration, a note. */
  head: ReactNode;
  detail?: string;
  /** What the server or DNS answered, verbatim. */
  reply?: string;
  replyLabel: string;
  hint?: string;
  /** `data-step` or `data-check`: which step this is, for tests and styles. */
  attrs: { [data: `data-${string}`]: string };
}

/** One step of a probe: what happened, the reply it is based on, and what to change. */
export function ProbeStep({ status, icon, title, head, detail, reply, replyLabel, hint, attrs }: StepProps) {
  return (
    <li className={`diag-step diag-${status}`} {...attrs} data-status={status}>
      <span className="diag-icon" aria-hidden="true">
        {icon}
      </span>
      <div className="diag-body">
        <div className="diag-head">
          <strong>{title}</strong>
          {head}
        </div>
        {detail ? <div className="diag-detail">{detail}</div> : null}
        {reply ? (
          <pre className="diag-reply" aria-label={replyLabel}>
            {reply}
          </pre>
        ) : null}
        {hint ? (
          <div className="diag-hint">
            <strong>Hint:</strong> {hint}
          </div>
        ) : null}
      </div>
    </li>
  );
}
