// Compiled by test/integration/sdk-types.test.ts: page sizes are numbers, as the OpenAPI document types them (integer).
import { Mailroom } from './index.js';

export async function pageSizes(mailroom: Mailroom): Promise<void> {
  for await (const m of mailroom.messages.list({ status: 'failed', limit: 20 })) console.log(m.id);
  for await (const e of mailroom.events.list({ type: 'order.shipped', limit: 50 })) console.log(e.id);
  console.log((await mailroom.suppressions.page({ limit: 100 })).items.length);
  console.log((await mailroom.api.GET('/api/v1/audit', { params: { query: { limit: 10 } } })).data);
  console.log((await mailroom.api.GET('/api/v1/relay/rejections', { params: { query: { limit: 10 } } })).data);
  console.log((await mailroom.api.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id: 'whk_1' }, query: { limit: 10 } } })).data);
}
