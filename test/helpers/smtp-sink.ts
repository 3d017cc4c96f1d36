import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './diagnostics-peers.js';

export const SMTP_SINK = '/usr/sbin/smtp-sink';

/** Whether Postfix's smtp-sink is here; with CI=true it must be (tests fail instead of skipping). */
export function haveSmtpSink(): boolean {
  const ok = existsSync(SMTP_SINK);
  if (!ok && process.env.CI === 'true') throw new Error(`CI=true but ${SMTP_SINK} is missing: install postfix`);
  if (!ok) console.warn(`[mailroom tests] ${SMTP_SINK} not found: the smtp-sink delivery tests are SKIPPED (install postfix)`);
  return ok;
}

export interface SmtpSink {
  port: number;
  dir: string;
  /** Every dumped message, oldest first (file text: smtp-sink's X-*-Args lines, then the message). */
  messages(): string[];
  count(): number;
  /** Restarts on the same port with other flags (e.g. first 4xx, then accepting). */
  restart(args?: string[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Postfix's smtp-sink on a free loopback port, dumping each message to its own file.
 * `args` are extra flags: ["-r", "RCPT"] answers 4xx to RCPT, ["-f", "RCPT", "-B", "550 5.1.1 …"] 5xx.
 */
export async function startSmtpSink(args: string[] = [], port0?: number): Promise<SmtpSink> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-sink-'));
  // smtp-sink drops root privileges to -u; that user must be able to write the dumps.
  chmodSync(dir, 0o777);
  const port = port0 ?? (await freePort());
  let child: ChildProcess | undefined;
  const launch = async (flags: string[]) => {
    const asRoot = process.getuid?.() === 0;
    child = spawn(SMTP_SINK, [...(asRoot ? ['-u', 'nobody'] : []), '-d', `${dir}/%Y%m%d%H%M%S.`, ...flags, `127.0.0.1:${port}`, '1000'], { stdio: 'ignore' });
    await waitForPort(port);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await launch(args);
  const files = () => readdirSync(dir).sort().map((f) => path.join(dir, f));
  return {
    port,
    dir,
    messages: () => files().map((f) => readFileSync(f, 'utf8')),
    count: () => readdirSync(dir).length,
    async restart(flags = []) {
      await kill();
      await launch(flags);
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Message-ID header of a dumped message. */
export function messageIdOf(dump: string): string | undefined {
  return /^Message-ID:\s*(<[^>]+>)/im.exec(dump)?.[1];
}

/** The envelope recipients smtp-sink recorded. */
export function rcptsOf(dump: string): string[] {
  return [...dump.matchAll(/^X-Rcpt-Args: <([^>]+)>/gm)].map((m) => m[1]);
}
