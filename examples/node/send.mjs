// Send a message with the Mailroom SDK, follow it until it is delivered (or
// logged), list the latest messages, and handle a refusal by its code.
//
//   MAILROOM_URL=http://127.0.0.1:8025 MAILROOM_API_KEY=mrk_… MAIL_TO=you@example.com node send.mjs
//
// In your application: `npm install` the sdk/ folder (after `npm run build` in it) as
// @mailroom/sdk. MAILROOM_SDK may point at another build (Mailroom's own tests use it).
const { Mailroom, TIMEOUT, isMailroomError } = await import(process.env.MAILROOM_SDK ?? '@mailroom/sdk');

const mailroom = new Mailroom({ url: process.env.MAILROOM_URL, apiKey: process.env.MAILROOM_API_KEY });

// 202 once the message is on disk. The SDK adds an idempotency key, so retries never send twice.
const { id, status } = await mailroom.messages.send({
  purpose: 'alert',
  to: [process.env.MAIL_TO],
  subject: 'Disk almost full',
  text: 'The disk of db-1 is 93 % full.',
});
console.log(`accepted ${id} ${status}`);

// Without `until` waitFor stops at any final status (FINAL_STATUSES: sent, logged, failed, expired,
// cancelled, suppressed, bounced). "logged" is the log driver's (MAILROOM_MAIL_DRIVER=log): stored,
// nothing sent. The others will not become "sent" unless someone retries the message.
let message;
try {
  message = await mailroom.messages.waitFor(id, { timeoutMs: 60_000 });
} catch (err) {
  if (!isMailroomError(err) || err.code !== TIMEOUT) throw err;
  console.log(`status ${err.details.messageStatus}`);
  console.log(`not final after 60 s: the message is still ${err.details.messageStatus} (its attempts: GET /api/v1/messages/${id})`);
  process.exit(1);
}
console.log(`status ${message.status}`);
if (message.status === 'logged') {
  console.log('logged, not sent: Mailroom runs with the log driver (MAILROOM_MAIL_DRIVER=log)');
} else if (message.status !== 'sent') {
  console.log(`last error: ${message.lastError ?? 'none'}`);
  for (const r of message.recipients) console.log(`  ${r.address} ${r.status} ${r.response ?? ''}`);
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
