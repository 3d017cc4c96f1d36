import type { DiagnosticsRunner } from './core/probes/diagnostics.js';
import { socketDiagnosticsRunner } from './probes/runner.js';

/**
 * The connection diagnostics on their own, without a store: `mailroom test-smtp` runs them on
 * the operator's machine. The same adapter the app (src/app.ts) plugs into its ports, chosen
 * beside the composition root so that no CLI command imports an adapter, and in a module of its
 * own so that the command does not load the whole server to test one SMTP server.
 */
export const standaloneDiagnostics: DiagnosticsRunner = socketDiagnosticsRunner;
