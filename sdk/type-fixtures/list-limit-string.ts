// Compiled by test/integration/sdk-types.test.ts: a page size given as text is refused (it is a number).
import { Mailroom } from './index.js';

export async function pageSizeAsText(mailroom: Mailroom): Promise<void> {
  for await (const m of mailroom.messages.list({ limit: '20' })) console.log(m.id);
}
