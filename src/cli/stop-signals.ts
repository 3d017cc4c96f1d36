import type { Logger } from '../logger.js';

type StopSignal = 'SIGINT' | 'SIGTERM';

/** The commands whose start-up a signal stops cleanly: the ones StopSignals serves. */
const STOPPABLE_COMMANDS = ['start', 'worker'];

/** The handler main.ts installs while the CLI loads, until a StopSignals takes over. */
let whileLoading: ((signal: StopSignal) => void) | undefined;

/**
 * Installed by src/cli/main.ts before it loads the rest of the CLI, for `start` and `worker`
 * (the command: the first argument that is no option; the only global options take no value).
 * Loading took up to a second, from the sources longer; a signal then ended the process with 143
 * although nothing was started. Now one ends it at once with 0, as one before the store opens
 * does. Other commands keep the signals' usual effect.
 */
export function stopSignalsWhileLoading(args: readonly string[]): void {
  const command = args.find((a) => !a.startsWith('-'));
  if (!command || !STOPPABLE_COMMANDS.includes(command)) return;
  whileLoading = (signal) => {
    process.stderr.write(`mailroom: stopping: nothing was started yet (${signal})\n`);
    process.exit(0);
  };
  process.on('SIGINT', whileLoading);
  process.on('SIGTERM', whileLoading);
}

/**
 * SIGINT and SIGTERM for `mailroom start` and `mailroom worker`, from the command's first line
 * on (before it, while the CLI loads: stopSignalsWhileLoading). They used to be handled only once the server was built: a signal during the migrations or
 * the bootstrap ended the process with status 143 and no "stopping" line, and one between
 * creating the first admin and printing the banner lost its generated password for good. Now a
 * signal
 * - before a step that changes the store (nothing is half-done): ends the process at once, 0;
 * - during such a step (`during`: opening the store, the migrations, the first admin; then
 *   starting the workers and the listener): is acted on when the step is over, by the caller,
 *   which still tells what the step made that must be told (the first admin's password);
 * - once the process runs: calls the stop `whenSignalled` gave it (server, workers, store).
 * A second signal while the first waits for its step only says so: the step's outcome must be
 * told (SIGKILL still ends the process at once).
 */
export class StopSignals {
  private received: StopSignal | undefined;
  private step: string | undefined;
  private stop: ((signal: StopSignal) => Promise<void>) | undefined;
  private logger: Logger | undefined;

  constructor() {
    // Taken over from main.ts's handler in the same turn: no signal falls between the two.
    if (whileLoading) {
      process.off('SIGINT', whileLoading);
      process.off('SIGTERM', whileLoading);
      whileLoading = undefined;
    }
    process.on('SIGINT', () => this.onSignal('SIGINT'));
    process.on('SIGTERM', () => this.onSignal('SIGTERM'));
  }

  /** The log the lines go to, once there is one (before it, a plain line on stderr). */
  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** The signal that asked this process to stop, if one did. */
  get requested(): StopSignal | undefined {
    return this.received;
  }

  /** Runs a start-up step that a signal does not cut short: it is acted on once the step is over. */
  async during<T>(step: string, run: () => Promise<T>): Promise<T> {
    this.step = step;
    try {
      return await run();
    } finally {
      this.step = undefined;
    }
  }

  /** From now on a signal calls `stop`; one that came during the start-up calls it at once. */
  whenSignalled(stop: (signal: StopSignal) => Promise<void>): void {
    this.stop = stop;
    if (this.received) void stop(this.received);
  }

  private onSignal(signal: StopSignal): void {
    if (this.received) {
      this.log({ signal, waitingFor: this.step }, this.step ? `already stopping: waiting for ${this.step} to finish (SIGKILL ends the process at once)` : 'already stopping');
      return;
    }
    this.received = signal;
    // Running: the caller's stop logs its own "stopping".
    if (this.stop) return void this.stop(signal);
    if (this.step) return this.log({ signal, waitingFor: this.step }, `stopping once ${this.step} is done`);
    this.log({ signal }, 'stopping: nothing was started yet');
    process.exit(0);
  }

  private log(fields: Record<string, unknown>, message: string): void {
    if (this.logger) this.logger.info(fields, message);
    else process.stderr.write(`mailroom: ${message} (${String(fields.signal)})\n`);
  }
}
