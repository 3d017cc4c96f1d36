import type { DiagnosticsRunner } from '../core/probes/diagnostics.js';
import { runImapDiagnostic } from './imap-runner.js';
import { runSmtpDiagnostic } from './smtp-runner.js';

/** The socket-level adapter behind the core's DiagnosticsRunner port. */
export const socketDiagnosticsRunner: DiagnosticsRunner = {
  smtp: runSmtpDiagnostic,
  imap: runImapDiagnostic,
};
