import type { MimeInput } from '../../src/delivery/mime.js';

/** A plain order notification as composeMime gets it: the starting point the MIME tests vary. */
export const orderMessage: MimeInput = {
  id: 'msg_01TEST',
  from: { name: 'Shop', address: 'noreply@shop.example' },
  to: [{ address: 'ann@example.net' }],
  cc: [],
  replyTo: null,
  subject: 'Your order',
  text: 'Hello Ann,\nyour order has shipped.\n',
  html: null,
  headers: {},
  attachments: [],
  messageIdHeader: '<01TEST@shop.example>',
  createdAt: Date.UTC(2026, 10, 22, 8, 30, 0),
};
