import { useState } from 'react';
import { api, type DryRun, type NotifyEventItem, type Page } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useResource } from '../../hooks.js';
import { Badge, ErrorBox, Field, Notice } from '../../ui/index.js';
import { dryRunRefusalInWords, RULE_FIELD_LABELS } from './dry-run-refusal.js';
import { skippedInWords } from './skipped.js';

/** An event as POST /events takes it, from a stored one (its roles come as RFC 5322 text that parses back). */
function asInput(e: NotifyEventItem) {
  return { type: e.type, data: e.data, recipients: e.recipients, ...(e.locale ? { locale: e.locale } : {}) };
}

/**
 * What the suppression list does to a message, as the event would store it: a message whose
 * every addressee is listed is kept as "suppressed" and sent to nobody; otherwise the listed
 * recipients (a global copy, say) are left out and the others get it.
 */
function SuppressedInWords({ message }: { message: DryRun['messages'][number] }) {
  if (!message.suppressed.length) return null;
  const reasons = message.suppressed.map((r) => r.reason).join('; ');
  if (message.status === 'suppressed') {
    return (
      <p className="alert alert-warning" data-testid="dry-run-suppressed">
        Would not be sent: {message.suppressed.length === 1 ? 'the recipient is' : 'its recipients are'} on the suppression list ({reasons}). The event would keep this message as suppressed and send it to nobody.
      </p>
    );
  }
  return (
    <p className="alert alert-warning" data-testid="dry-run-suppressed">
      Not sent to {message.suppressed.length === 1 ? 'one recipient' : `${message.suppressed.length} recipients`} on the suppression list ({reasons}); the others would get it.
    </p>
  );
}

/**
 * The dry run: an event pasted (or taken from the recent ones) is judged by the rules — or by
 * the draft `rule` alone — and the mail they would send is rendered. Nothing is stored or sent.
 * `sample` is the event shown until one is typed or picked.
 */
export function DryRunPanel({ rule, sample }: { rule?: Record<string, unknown>; sample: unknown }) {
  // The sample follows the form (its event type, its roles) until the admin types an event or
  // picks a recent one: from then on the event is theirs and a change to the form leaves it be.
  const [ownText, setText] = useState<string | null>(null);
  const text = ownText ?? JSON.stringify(sample, null, 2);
  const recent = useResource(() => api.get<Page<NotifyEventItem>>('/events', { limit: 20 }), []);
  const run = useAction();
  // The result with what it ran with (the rule as in the form, the event's text).
  const [result, setResult] = useState<{ dryRun: DryRun; ranWith: string } | null>(null);
  const current = JSON.stringify({ rule, text });
  // An edit since the run: the result no longer speaks of what is on screen (a "matches" for a
  // rule that would not match any more), so it says whose it is until the next run.
  const stale = result !== null && result.ranWith !== current;
  const [parseError, setParseError] = useState<string | null>(null);

  const go = async () => {
    // A result belongs to the rule and event it ran with: a refused run must not leave the previous one on screen.
    setResult(null);
    let event: unknown;
    try {
      event = JSON.parse(text);
      setParseError(null);
    } catch (err) {
      setParseError(`The event is not JSON: ${(err as Error).message}`);
      return;
    }
    const ranWith = current;
    const r = await run.run(() => api.post<DryRun>('/rules/test', rule ? { event, rule } : { event }));
    if (r) setResult({ dryRun: r, ranWith });
  };

  return (
    <section className="card" aria-labelledby="dry-h">
      <h2 id="dry-h">Dry run</h2>
      <p className="muted small">{rule ? 'Tries this rule as it is in the form (unsaved changes included)' : 'Tries every saved rule'} against the event below and renders the mail. Nothing is stored or sent.</p>
      {recent.data?.items.length ? (
        <Field label="Start from a recent event" id="dry-recent">
          <select id="dry-recent" defaultValue="" onChange={(e) => {
            const ev = recent.data?.items.find((x) => x.id === e.target.value);
            if (ev) setText(JSON.stringify(asInput(ev), null, 2));
          }}>
            <option value="">—</option>
            {recent.data.items.map((e) => (
              <option key={e.id} value={e.id}>
                {e.type} · {e.id}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      <Field label="Event (JSON)" id="dry-event" wide hint="As an application sends it to POST /api/v1/events: type, data, recipients by role, locale.">
        <textarea id="dry-event" className="mono" rows={10} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      </Field>
      <div className="form-actions">
        <button type="button" className="btn" onClick={go} disabled={run.busy}>
          {run.busy ? 'Running…' : 'Run dry run'}
        </button>
      </div>
      {/* The draft rule's refusal names the form's field, as saving it would ("Name: …", not "rule.name: …"). */}
      <ErrorBox error={parseError ?? dryRunRefusalInWords(run.field, run.error, RULE_FIELD_LABELS)} title="Cannot run" />
      {result ? (
        <div data-testid="dry-run-result" data-stale={stale ? 'true' : undefined} className={stale ? 'dry-run-stale' : undefined}>
          {stale ? (
            <Notice kind="warning">
              This result is for the previous version: the {rule ? 'rule or the event' : 'event'} changed since it ran. <em>Run dry run</em> again to try what the form shows now.
            </Notice>
          ) : null}
          <h3>Rules</h3>
          <ul className="plain-list">
            {result.dryRun.rules.map((r) => (
              <li key={r.ruleId}>
                <Badge kind={r.matched ? 'ok' : 'neutral'}>{r.matched ? 'matches' : 'no match'}</Badge> <strong>{r.ruleName}</strong>
                {r.reason ? <span className="muted small"> — {r.reason}</span> : null}
              </li>
            ))}
          </ul>
          {result.dryRun.skipped.map((s) => (
            <p key={s.ruleId} className="alert alert-error">
              <strong>{s.ruleName}</strong> would send nothing: {skippedInWords(s.message)}
            </p>
          ))}
          <h3>{result.dryRun.messages.length === 1 ? '1 message' : `${result.dryRun.messages.length} messages`}
            {result.dryRun.messages.some((m) => m.status === 'suppressed') ? `, ${result.dryRun.messages.filter((m) => m.status === 'suppressed').length} not sent (suppression list)` : ''}</h3>
          {result.dryRun.messages.map((m, i) => (
            <article key={i} className="dry-message" data-status={m.status}>
              <p className="small">
                {m.status === 'suppressed' ? <Badge kind="warn">not sent</Badge> : null}
                To <strong>{m.to.join(', ')}</strong> from <strong>{m.from}</strong> · purpose {m.purpose || '—'}
                {m.template ? ` · template ${m.template.key} v${m.template.version} (${m.template.locale})` : ''}
              </p>
              <SuppressedInWords message={m} />
              <p>
                <span className="muted small">Subject </span>
                <strong data-testid="dry-run-subject">{m.subject}</strong>
              </p>
              <pre className="body-text">{m.text ?? '(no text part)'}</pre>
            </article>
          ))}
        </div>
      ) : null}
    </section>
  );
}
