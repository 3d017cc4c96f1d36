import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { MAX_HEADER_BYTES } from '../../src/core/relay/ports.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { queuedId, relaySuite, requireProgram } from '../helpers/relay.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * A header the relay cannot read (over 1 MiB, mailparser's limit for a MIME part's header) is
 * refused for good: 552 5.3.4, nothing queued, and no error with a stack trace in the server
 * log. A 451 here would make the client retry, forever, a message that can never be accepted
 * (RFC 5321 §4.2.1). A header of exactly the limit is taken: the limit the relay states is the
 * one the parser applies. Sent with Python's smtplib, as an application would.
 */
const ready = haveSmtpSink() && requireProgram('/usr/bin/python3', 'python3');

/** Sends one message per header size in one session; prints each DATA reply as [code, text]. */
const CLIENT = `
import json, smtplib, ssl, sys
port, ca, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sizes = [int(n) for n in sys.argv[5:]]
def message(total, subject):
    head = ("From: billing@example.com\\r\\nTo: a@example.net\\r\\nSubject: %s\\r\\n" % subject).encode()
    # Lines joined once: adding each to a growing bytes object copied ~1 MB ten thousand times (seconds).
    lines, size = [], 0
    while len(head) + size + 100 <= total - 20:
        lines.append(b"X-Pad-%07d: %s\\r\\n" % (len(lines), b"p" * 83))
        size += len(lines[-1])
    pad = b"".join(lines)
    rest = total - len(head) - len(pad)
    end = b"X-End: " + b"e" * (rest - 9) + b"\\r\\n"
    block = head + pad + end
    assert len(block) == total, len(block)
    return block + b"\\r\\nbody\\r\\n"
out = []
with smtplib.SMTP_SSL("127.0.0.1", port, context=ssl.create_default_context(cafile=ca), timeout=60) as s:
    s.login(user, password)
    for n in sizes:
        s.mail("billing@example.com")
        s.rcpt("a@example.net")
        try:
            code, text = s.data(message(n, "header %d" % n))
        except smtplib.SMTPDataError as e:
            code, text = e.smtp_code, e.smtp_error
        out.append([code, text.decode()])
print(json.dumps(out))
`;

function python(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/python3', ['-c', CLIENT, ...args], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/**
 * The two dialects' suites share nothing (each has its own app, database, relay, sink and
 * ports; nothing at module level is written), so they run side by side: much of each suite's
 * time is waiting on the Python client and the parser. Within a suite the tests still run one
 * after the other, in order (it.sequential).
 */
await describeEachDialect('SMTP relay: a header larger than the relay reads', (dialect) => {
  if (!ready) return;
  const suite = relaySuite(dialect, { delivery: false });
  const count = async () => Number((await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length);

  const send = async (...headerBytes: number[]) => {
    const status = (await suite.r.t.request({ method: 'GET', url: '/api/v1/relay/status' })).json();
    const ca = path.join(suite.r.t.dataDir, 'relay-ca.pem');
    writeFileSync(ca, readFileSync(status.certificate.file));
    const c = suite.r.credential;
    const res = await python([String(suite.r.tlsPort), ca, c.username, c.password!, ...headerBytes.map(String)]);
    expect(res.code, res.out).toBe(0);
    return JSON.parse(res.out) as [number, string][];
  };

  it.sequential('refuses a header over 1 MiB with 552 5.3.4 for good, queues nothing, logs no error, and the session goes on', async ({ expect }) => {
    expect(MAX_HEADER_BYTES).toBe(1024 * 1024);
    const before = await count();
    const logFrom = suite.r.t.logLines.length;
    const [tooBig, next] = await send(MAX_HEADER_BYTES + 1, 2_000);
    expect(tooBig[0]).toBe(552);
    expect(tooBig[1]).toMatch(/^5\.3\.4 the message header is larger than 1 MiB \(1048577 bytes; the relay reads at most 1048576\): .*nothing was queued$/);
    // The same session carries the next message.
    expect(next[0]).toBe(250);
    queuedId(`${next[0]} ${next[1]}`);
    expect(await count()).toBe(before + 1);
    const logged = suite.r.t.logLines.slice(logFrom).join('');
    expect(logged).not.toMatch(/Max header size|EMAXLEN|"level":50|"stack"/);
    // The refusal is listed like any other, with what the client was told.
    const rejections = async () => (await suite.r.t.request({ method: 'GET', url: '/api/v1/relay/rejections?limit=50' })).json().items as { stage: string; code: number; reply: string }[];
    await expect.poll(async () => (await rejections()).some((r) => r.stage === 'data' && r.code === 552 && /header is larger than 1 MiB/.test(r.reply)), { timeout: 10_000 }).toBe(true);
  });

  it.sequential('takes a header of exactly 1 MiB: the parser reads all the relay allows', async ({ expect }) => {
    const before = await count();
    const [exact] = await send(MAX_HEADER_BYTES);
    expect(exact[0], exact[1]).toBe(250);
    const m = await suite.r.message(queuedId(`${exact[0]} ${exact[1]}`));
    expect(m.subject).toBe(`header ${MAX_HEADER_BYTES}`);
    expect(await count()).toBe(before + 1);
  });
}, { sideBySide: true });
