import type { Attempt } from '../../api.js';

type Route = NonNullable<Attempt['routes']>[number];

function tlsLabel(r: Route): string {
  if (!r.tls) return r.exchanger ? 'plain text (no STARTTLS offered)' : '—';
  return `${r.tls.protocol} ${r.tls.cipher}, certificate ${r.tls.verified ? 'verified' : 'not verified'}`;
}

const POLICY = { 'mta-sts': 'MTA-STS enforce', required: 'TLS required', opportunistic: 'opportunistic' } as const;

/** Direct delivery: per recipient domain, which exchanger answered, over what TLS, and what was passed over. */
export function AttemptRoutes({ routes }: { routes: Route[] }) {
  return (
    <table className="attempt-routes">
      <caption className="muted small">Per recipient domain</caption>
      <thead>
        <tr>
          <th scope="col">Domain</th>
          <th scope="col">Exchanger</th>
          <th scope="col">TLS</th>
          <th scope="col">Reply</th>
        </tr>
      </thead>
      <tbody>
        {routes.map((r) => (
          <tr key={r.domain}>
            <td>
              <code>{r.domain}</code>
              <div className="muted small">{r.recipients.join(', ')}</div>
            </td>
            <td>
              {r.exchanger ? (
                <>
                  <code>{r.exchanger}</code> <span className="muted small">{r.address}:{r.port}</span>
                </>
              ) : (
                <span className="muted">none answered</span>
              )}
              {r.skipped.length ? (
                <ul className="muted small">
                  {r.skipped.map((s, i) => (
                    <li key={i}>passed over: {s}</li>
                  ))}
                </ul>
              ) : null}
            </td>
            <td>
              {tlsLabel(r)}
              <div className="muted small">{POLICY[r.tlsPolicy]}</div>
            </td>
            <td>
              <span className="small">{r.response ?? ''}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
