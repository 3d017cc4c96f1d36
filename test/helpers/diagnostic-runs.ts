import type { DiagnosticResult, SmtpDiagnosticTarget } from '../../src/core/probes/diagnostics.js';
import { compileNetworkPolicy } from '../../src/core/probes/network-policy.js';
import type { SmtpSettings } from '../../src/core/senders/servers.js';
import { runSmtpDiagnostic } from '../../src/probes/smtp-runner.js';

/** What the SMTP connection-test tests share: settings for a loopback peer, a step by name, a run allowed on 127.0.0.1. */
const loopback = compileNetworkPolicy(['127.0.0.1']);

/** A server on 127.0.0.1:`port` (STARTTLS required, short timeouts), with `over` on top. */
export function loopbackSmtp(port: number, over: Partial<SmtpSettings> = {}): SmtpSettings {
  return { host: '127.0.0.1', port, security: 'starttls', requireTls: true, tlsTrust: { mode: 'system' }, connectTimeoutSec: 2, sendTimeoutSec: 5, maxConnections: 1, ...over };
}

/** The named step of a result; its absence fails the test with every step shown. */
export function stepNamed(r: DiagnosticResult, name: string) {
  const s = r.steps.find((x) => x.name === name);
  if (!s) throw new Error(`no ${name} step in ${JSON.stringify(r.steps)}`);
  return s;
}

/** The connection test against a target, private addresses allowed for 127.0.0.1 only. */
export const runOnLoopback = (t: SmtpDiagnosticTarget) => runSmtpDiagnostic(t, loopback);
