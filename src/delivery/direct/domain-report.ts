import type { AttemptRoute } from '../../core/outbox/attempt-route.js';
import { isPermanentFailure, stopsRetrying, type AttemptReport, type RecipientReply } from '../../core/outbox/retry-policy.js';

/** One destination domain's part of an attempt: what its transaction reported and where it went. */
export interface DomainResult {
  report: AttemptReport;
  route: AttemptRoute;
}

/** Every recipient of a domain decided by Mailroom itself (no such domain, null MX, refused address, paced). */
export function decided(recipients: readonly string[], permanent: boolean, response: string): AttemptReport {
  return { accepted: [], rejected: recipients.map((address) => ({ address, code: null, enhancedCode: null, response, permanent })) };
}

/**
 * The attempt's report from its domains' reports. One domain: its report as it is (with its
 * failure and hint). Several: a failure that stopped one domain's transaction becomes that
 * domain's recipients' own outcome (retried or not, as it would have been alone), so one
 * domain's outage never decides another domain's recipients.
 */
export function mergeDomainResults(results: readonly DomainResult[], recipientsOf: (r: DomainResult) => readonly string[]): AttemptReport {
  const routes = results.map((r) => r.route);
  if (results.length === 1) return { ...results[0].report, routes };
  const accepted: RecipientReply[] = [];
  const rejected: RecipientReply[] = [];
  let success: AttemptReport | undefined;
  let possibleDuplicate: AttemptReport['possibleDuplicate'];
  for (const result of results) {
    const { report } = result;
    accepted.push(...report.accepted);
    rejected.push(...report.rejected);
    if (report.possibleDuplicate) possibleDuplicate ??= report.possibleDuplicate;
    const f = report.failure;
    if (!f) {
      if (report.accepted.length) success ??= report;
      continue;
    }
    const listed = new Set([...report.accepted, ...report.rejected].map((r) => r.address.toLowerCase()));
    const permanent = isPermanentFailure(f) || stopsRetrying(report);
    for (const address of recipientsOf(result)) {
      // A protocol violation's code is the out-of-turn reply's (a 250 on a failure): not the recipient's.
      const protocol = f.kind === 'protocol';
      if (!listed.has(address.toLowerCase())) rejected.push({ address, code: protocol ? null : f.code, enhancedCode: protocol ? null : f.enhancedCode, response: `${result.route.domain}: ${f.message}`, permanent });
    }
  }
  return {
    accepted,
    rejected,
    routes,
    ...(success?.response !== undefined ? { response: success.response } : {}),
    ...(success?.code !== undefined ? { code: success.code } : {}),
    ...(possibleDuplicate ? { possibleDuplicate } : {}),
  };
}
