/**
 * JSON schemas for request bodies: they reject unknown fields and wrong types before the
 * core sees the request, and they generate the OpenAPI document at /docs. The core checks
 * the same rules again (it is also reached from the CLI and the environment).
 */
const tlsTrust = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { type: 'string', enum: ['system', 'pinned', 'any'] },
    certificate: { type: 'string', description: 'PEM certificate to pin' },
    fingerprint: { type: 'string', description: 'SHA-256 fingerprint to pin (hex, colons optional)' },
  },
} as const;

const rateLimit = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { perMinute: { type: 'integer', minimum: 1 }, perHour: { type: 'integer', minimum: 1 }, perDay: { type: 'integer', minimum: 1 } },
} as const;

export const serverBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    smtp: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { type: 'string', enum: ['relay', 'direct'], description: 'relay (default): one SMTP server takes every message; direct: each recipient domain\'s MX, no host' },
        host: { type: 'string', minLength: 1, maxLength: 253, description: 'relay only' },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        security: { type: 'string', enum: ['starttls', 'tls', 'none'] },
        requireTls: { type: 'boolean' },
        tlsTrust,
        connectTimeoutSec: { type: 'integer', minimum: 1, maximum: 300 },
        sendTimeoutSec: { type: 'integer', minimum: 1, maximum: 300 },
        maxConnections: { type: 'integer', minimum: 1, maximum: 100 },
        direct: {
          type: 'object',
          additionalProperties: false,
          description: 'mode "direct" only: per-destination-domain rules',
          properties: {
            requireTlsDomains: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 253 }, maxItems: 500 },
            maxConnectionsPerDomain: { type: 'integer', minimum: 1, maximum: 50 },
            perDomainPerMinute: { type: ['integer', 'null'], minimum: 1, maximum: 100000 },
            ehloName: { type: ['string', 'null'], maxLength: 253, description: 'the fully qualified name to greet exchangers with (EHLO); null or absent: the host name of this machine' },
            publicAddresses: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 45 }, maxItems: 50, description: 'IPv4/IPv6 addresses exchangers see Mailroom connect from; the setup status checks SPF covers them' },
          },
        },
      },
    },
    imap: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1, maxLength: 253 },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        security: { type: 'string', enum: ['tls', 'starttls', 'none'] },
      },
    },
    retry: {
      type: 'object',
      additionalProperties: false,
      properties: {
        backoffSec: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 20 },
        intervalSec: { type: 'integer', minimum: 1 },
        expireAfterSec: { type: 'integer', minimum: 60 },
      },
    },
    rateLimit,
    version: { type: 'integer', minimum: 1, description: 'required on update: the version you read' },
  },
} as const;

export const accountBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    serverId: { type: 'string' },
    address: { type: 'string', maxLength: 320 },
    login: { type: ['string', 'null'], maxLength: 320 },
    fromName: { type: ['string', 'null'], maxLength: 200 },
    replyTo: { type: ['string', 'null'], maxLength: 320 },
    aliases: { type: 'array', items: { type: 'string' }, maxItems: 100 },
    password: { type: ['string', 'null'], maxLength: 1000, description: 'write-only; never returned' },
    passwordRef: { type: ['string', 'null'], maxLength: 500, description: 'env:NAME, file:/path, internal:NAME, vault:<providerId>/<path>#<field>, azure-keyvault:<providerId>/<name>[/<version>], cyberark:<providerId>/<safe>/<object>' },
    auth: {
      type: ['object', 'null'],
      additionalProperties: true,
      description: '{ type: "password" } (default) or { type: "oauth2", provider: microsoft|google|generic, tenantId?, clientId, clientSecret? (write-only) | clientSecretRef?, refreshToken? (write-only), tokenUrl?, scope?, caCertificate? }',
    },
    active: { type: 'boolean' },
    ownerId: { type: ['string', 'null'] },
    rateLimit,
    inbound: {
      type: ['object', 'null'],
      additionalProperties: false,
      description: 'read this account\'s mailbox over IMAP (its server needs an IMAP section); null: not read',
      properties: {
        enabled: { type: 'boolean' },
        folders: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, minItems: 1, maxItems: 10, description: 'default ["INBOX"]' },
        afterProcessing: { type: 'string', enum: ['none', 'flag', 'move'], description: 'none (default): leave the message as it is; flag: mark it \\Seen; move: move it to moveTo. Mail is never deleted' },
        moveTo: { type: ['string', 'null'], maxLength: 200 },
      },
    },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 100 } },
  required: ['id'],
} as const;

/**
 * A point in time as the API takes it. Any number passes here: the core (readInstant) checks it
 * is whole and in range and says what an instant may be, where the schema could only say
 * "must be string" (the first branch of the anyOf) for 1.5.
 */
export const instantSchema = { anyOf: [{ type: 'string', maxLength: 40 }, { type: 'number' }], description: 'ISO 8601 date-time (or epoch milliseconds)' } as const;
