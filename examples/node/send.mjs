// Send a message with the Mailroom SDK, follow it until it is delivered, list the latest
// messages, and handle a refusal by its code.
//
//   MAILROOM_URL=http://127.0.0.1:8025 MAILROOM_API_KEY=mrk_… MAIL_TO=you@example.com node send.mjs
//
// In your application: `npm install` the sdk/ folder (after `npm run build` in it) as
// @mailroom/sdk. MAILROOM_SDK may point at another build (Mailroom's own tests use it).
const { Mailroom, isMailroomError } = await import(process.env.MAILROOM_SDK ?? '@mailroom/sdk');

const mailroom = new Mailroom({ url: process.env.MAILROOM_URL, apiKey: process.env.MAILROOM_API_KEY });

// 202 once the message is on disk. The SDK adds an idempotency key, so retries never send twice.
const { id, status } = await mailroom.messages.send({
  purpose: 'alert',
  to: [process.env.MAIL_TO],
  subject: 'Disk almost full',
  text: 'The disk of db-1 is 93 % full.',
});
console.log(`accepted ${id} ${status}`);

const message = await mailroom.messages.waitFor(id, { until: ['sent', 'failed', 'expired'], timeoutMs: 60_000 });
console.log(`status ${message.status}`);
if (message.status !== 'sent') {
  console.log(`last error: ${message.lastError}`);
  process.exit(1);
}

let listed = 0;
for await (const m of mailroom.messages.list({ purpose: 'alert' })) {
  if (++listed <= 3) console.log(`  ${m.id} ${m.status} ${m.subject}`);
}
console.log(`listed ${listed}`);

try {
  await mailroom.messages.send({ purpose: 'no_such_purpose', to: process.env.MAIL_TO, subject: 'x', text: 'y' });
} catch (err) {
  if (!isMailroomError(err)) throw err;
  // Branch on the stable code; the message is for people.
  console.log(`refused ${err.code} ${err.status}: ${err.message}`);
}
