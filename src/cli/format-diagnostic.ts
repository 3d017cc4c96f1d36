import type { DiagnosticResult } from '../core/probes/diagnostics.js';

const ANSI = { green: '\x1b[32m', red: '\x1b[31m', grey: '\x1b[90m', yellow: '\x1b[33m', bold: '\x1b[1m', reset: '\x1b[0m' };

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in env && env.NO_COLOR !== '');
}

/** The steps of a diagnostic as terminal lines: status, step, detail, duration, then hint and reply indented. */
export function formatDiagnostic(result: DiagnosticResult, opts: { color: boolean }): string {
  const c = (code: keyof typeof ANSI, s: string) => (opts.color ? `${ANSI[code]}${s}${ANSI.reset}` : s);
  const width = Math.max(...result.steps.map((s) => s.name.length));
  const lines: string[] = [];
  for (const s of result.steps) {
    const label = s.status === 'pass' ? c('green', 'PASS') : s.status === 'fail' ? c('red', 'FAIL') : c('grey', 'SKIP');
    const time = s.status === 'skip' ? '' : c('grey', ` (${s.durationMs} ms)`);
    lines.push(`${label}  ${c('bold', s.name.padEnd(width))}  ${s.status === 'skip' ? c('grey', s.detail) : s.detail}${time}`);
    if (s.certificate) {
      const cert = s.certificate;
      lines.push(`      certificate: ${cert.subject}; issuer ${cert.issuer}; valid ${cert.validFrom} to ${cert.validTo}`);
      lines.push(`      sha256: ${cert.fingerprint256} (${cert.trusted ? 'trusted' : 'NOT trusted'} under "${cert.trustMode}")`);
    }
    if (s.hint) lines.push(`      ${c('yellow', `hint: ${s.hint}`)}`);
    if (s.reply && s.status === 'fail') for (const r of s.reply.split('\n')) lines.push(`      ${c('grey', r)}`);
  }
  lines.push(result.ok ? c('green', 'all steps passed') : c('red', 'the test failed; see the hint above'));
  return lines.join('\n') + '\n';
}
