/**
 * npm run bench:compose -- [--messages 20000]
 *
 * Why Mailroom composes MIME itself (src/delivery/mime.ts): the same nodemailer pool (20
 * connections) sends the same N messages to Postfix's smtp-sink twice per round, once
 * letting nodemailer's mail composer build each message and once handing it the document
 * composeMime built. Prints msgs/s and CPU per message of both, and their ratio, for two
 * rounds (the first one includes the JIT warming up).
 */
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { composeMime, type MimeInput } from '../src/delivery/mime.js';
import { countArg, body, startSink } from './peers.js';

const N = countArg('messages', 20000);
const sink = await startSink();

async function run(make: (i: number) => SendMailOptions): Promise<{ rate: number; cpu: number }> {
  const transport = nodemailer.createTransport({ pool: true, host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, maxConnections: 20, maxMessages: Infinity });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 80 }, async () => {
      while (next < N) await transport.sendMail(make(next++));
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  transport.close();
  return { rate: N / secs, cpu: (cpu.user + cpu.system) / 1000 / N };
}

const message = (i: number): MimeInput => ({
  id: `msg_${i}`,
  from: { name: 'Bench', address: 'bench@example.com' },
  to: [{ address: `rcpt${i % 50}@example.net` }],
  cc: [],
  replyTo: null,
  subject: `Bench ${i}`,
  text: body(i),
  html: null,
  headers: {},
  attachments: [],
  messageIdHeader: `<${i}.bench@example.com>`,
  createdAt: Date.now(),
});

try {
  for (let round = 1; round <= 2; round++) {
    const composer = await run((i) => ({ from: 'Bench <bench@example.com>', to: `rcpt${i % 50}@example.net`, subject: `Bench ${i}`, text: body(i) }));
    const own = await run((i) => ({ raw: composeMime(message(i)), envelope: { from: 'bench@example.com', to: [`rcpt${i % 50}@example.net`] } }));
    process.stdout.write(
      `round ${round}: nodemailer composing ${composer.rate.toFixed(0)} msgs/s, ${composer.cpu.toFixed(2)} ms CPU/msg; ` +
        `composeMime + raw ${own.rate.toFixed(0)} msgs/s, ${own.cpu.toFixed(2)} ms CPU/msg; ` +
        `CPU ratio ${(own.cpu / composer.cpu).toFixed(2)}\n`,
    );
  }
} finally {
  sink.stop();
}
