import type { FastifyInstance } from 'fastify';
import { getTemplate, getTemplateVersion, deleteTemplate, listTemplates, resetTemplate, saveTemplate, templateVersions, type TemplateView } from '../../core/templates/templates.service.js';
import { previewTemplate, sendTemplateTest } from '../../core/templates/preview.service.js';
import { withPreviewPage } from '../preview-pages.js';
import type { TemplateVersion } from '../../core/templates/templates.js';
import type { Ports } from '../../ports.js';
import { actorOf, principalOf } from '../auth.js';
import { keyParams, layoutKey, localeContent, templateData } from './template-schemas.js';
import { opaque } from '../timestamps.js';

type KeyParams = { Params: { key: string } };
type VersionParams = { Params: { key: string; version: number } };

const templateBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    purpose: { type: ['string', 'null'], maxLength: 64, description: 'the purpose its messages get when the sender names none' },
    layout: { ...layoutKey, description: 'a layout key ("default": the branded layout); null: no layout' },
    locales: { type: 'object', maxProperties: 20, additionalProperties: localeContent, description: 'per locale tag ("en", "de", "de-AT"): { subject, html?, text? }' },
    sampleData: { ...templateData, description: 'data for the preview and for the check at save time' },
    version: { type: 'integer', minimum: 1, description: 'the version you read: required on PATCH and when PUT replaces' },
  },
} as const;

const previewBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    locale: { type: 'string', maxLength: 35 },
    data: { ...templateData, description: 'default: the template’s sampleData' },
    content: { ...localeContent, description: 'unsaved sources of one locale (admins): the editor’s live preview' },
    layout: { ...layoutKey, description: 'with content: the layout to preview it in (default: the saved template’s)' },
  },
} as const;

const testBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    to: { type: 'string', maxLength: 320, description: 'default: the signed-in user’s own address' },
    locale: { type: 'string', maxLength: 35 },
    data: { ...templateData, description: 'default: the template’s sampleData' },
    accountId: { type: 'string', maxLength: 40, description: 'send from this account (default: the routing of purpose "test")' },
  },
} as const;

const versionParams = { type: 'object', properties: { key: { type: 'string', maxLength: 64 }, version: { type: 'integer', minimum: 1, description: 'a version number, from 1' } }, required: ['key', 'version'] } as const;

/** sampleData is the author's JSON: the timestamp rule of the API must not rewrite it. */
const view = (t: TemplateView) => ({ ...t, sampleData: opaque(t.sampleData) });
const versionView = (v: TemplateVersion) => ({ ...v, sampleData: opaque(v.sampleData) });

export function templatesRoutes({ ctx, testEmailLimiter, previewPages }: Pick<Ports, 'ctx' | 'testEmailLimiter' | 'previewPages'>) {
  return async (api: FastifyInstance) => {
    const tags = ['templates'];
    const read = { config: { permission: 'read' as const }, schema: { tags, params: keyParams } };
    const admin = { config: { permission: 'admin' as const }, schema: { tags, params: keyParams } };
    api.get('/templates', { config: { permission: 'read' }, schema: { tags } }, async () => ({ items: (await listTemplates(ctx)).map(view) }));
    api.get<KeyParams>('/templates/:key', read, async (req) => view(await getTemplate(ctx, req.params.key)));
    api.put<KeyParams>('/templates/:key', { ...admin, schema: { ...admin.schema, body: templateBody } }, async (req) => view(await saveTemplate(ctx, actorOf(req), req.params.key, req.body, 'put')));
    api.patch<KeyParams>('/templates/:key', { ...admin, schema: { ...admin.schema, body: templateBody } }, async (req) => view(await saveTemplate(ctx, actorOf(req), req.params.key, req.body, 'patch')));
    api.delete<KeyParams>('/templates/:key', admin, async (req, reply) => {
      await deleteTemplate(ctx, actorOf(req), req.params.key);
      return reply.status(204).send();
    });
    api.post<KeyParams>('/templates/:key/reset', admin, async (req) => view(await resetTemplate(ctx, actorOf(req), req.params.key)));
    api.post<KeyParams>('/templates/:key/preview', { ...read, schema: { ...read.schema, body: previewBody } }, async (req) => withPreviewPage(ctx, previewPages, principalOf(req).id, await previewTemplate(ctx, principalOf(req), req.params.key, req.body)));
    api.post<KeyParams>('/templates/:key/test', { ...admin, schema: { ...admin.schema, body: testBody } }, async (req, reply) =>
      reply.status(202).send(await sendTemplateTest(ctx, testEmailLimiter, principalOf(req), actorOf(req), req.params.key, req.body)),
    );
    api.get<KeyParams>('/templates/:key/versions', read, async (req) => ({ items: await templateVersions(ctx, req.params.key) }));
    api.get<VersionParams>('/templates/:key/versions/:version', { config: { permission: 'read' }, schema: { tags, params: versionParams } }, async (req) =>
      versionView(await getTemplateVersion(ctx, req.params.key, req.params.version)),
    );
  };
}
