import type { Http } from './http.js';
import type { TemplatePreview, TemplatePreviewRequest } from './types.js';

export class Templates {
  constructor(private readonly http: Http) {}

  /** Renders a template with `data` (default: its sample data) in `locale`; nothing is stored or sent. */
  async preview(key: string, request: TemplatePreviewRequest = {}): Promise<TemplatePreview> {
    return this.http.data(this.http.facade.POST('/api/v1/templates/{key}/preview', { params: { path: { key } }, body: request, fetch: this.http.retrying }));
  }
}
