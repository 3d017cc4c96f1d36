/** JSON schemas shared by the template and layout routes (they generate /docs; the core checks the same again). */
export const keyParams = { type: 'object', properties: { key: { type: 'string', maxLength: 64 } }, required: ['key'] } as const;

export const localeContent = {
  type: 'object',
  additionalProperties: false,
  required: ['subject'],
  properties: {
    subject: { type: 'string', maxLength: 998, description: 'one line of Liquid' },
    html: { type: ['string', 'null'], description: 'Liquid; output is HTML-escaped unless | raw' },
    text: { type: ['string', 'null'], description: 'Liquid; empty: derived from the HTML' },
  },
} as const;

export const layoutKey = { type: ['string', 'null'], maxLength: 64 } as const;
// additionalProperties: true says "any field" to generators (without it openapi-typescript
// allows none, and the SDK could not pass data); the server's validation is the same either way.
export const templateData = { type: 'object', additionalProperties: true, description: 'plain JSON' } as const;
