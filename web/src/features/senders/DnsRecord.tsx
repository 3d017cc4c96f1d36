import type { DnsTxtRecord } from '../../api.js';
import { CopyButton } from '../../ui/index.js';

/** One part of the record (its name or its value) as the owner pastes it, with its own copy button. */
function CopyableLine({ part, text }: { part: 'name' | 'value'; text: string }) {
  return (
    <dd className="dns-line">
      <code className="dns-value" data-testid={`dns-${part}`}>
        {text}
      </code>
      <CopyButton text={text} label={`Copy record ${part}`} />
    </dd>
  );
}

/** The TXT record a domain owner publishes for a DKIM key: name and value, each with a copy button. */
export function DnsRecord({ record }: { record: DnsTxtRecord }) {
  return (
    <div className="dns-record" data-testid="dns-record">
      <dl className="facts">
        <dt>Type</dt>
        <dd>
          <code>{record.type}</code>
        </dd>
        <dt>Name</dt>
        <CopyableLine part="name" text={record.name} />
        <dt>Value</dt>
        <CopyableLine part="value" text={record.value} />
      </dl>
      {record.chunks.length > 1 ? (
        <details>
          <summary>DNS panel wants strings of at most 255 characters?</summary>
          <p className="muted small">Paste these quoted strings one after the other as the value; resolvers join them back into one.</p>
          <pre className="json">{record.chunks.map((c) => `"${c}"`).join('\n')}</pre>
          <CopyButton text={record.chunks.map((c) => `"${c}"`).join(' ')} label="Copy record value as quoted strings" />
        </details>
      ) : null}
    </div>
  );
}
