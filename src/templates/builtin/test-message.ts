import type { TemplateDraft } from '../../core/templates/templates.js';
import { h1, html, note, p, text } from './markup.js';

export const testMessage: TemplateDraft = {
  name: 'Test message',
  purpose: 'test',
  layout: 'default',
  sampleData: { requested_by: 'admin@example.com' },
  locales: {
    en: {
      subject: 'Test message from {{ brand.name }}',
      html: html(
        h1('It works'),
        p('This is a test message from {{ brand.name }}{% if requested_by %}, sent at the request of {{ requested_by }}{% endif %}.'),
        p('If you can read it, mail from this sender reaches you, and templates render with your branding.'),
        note('No action is needed.'),
      ),
      text: text(
        'This is a test message from {{ brand.name }}{% if requested_by %}, sent at the request of {{ requested_by }}{% endif %}.',
        'If you can read it, mail from this sender reaches you, and templates render with your branding.',
      ),
    },
    de: {
      subject: 'Testnachricht von {{ brand.name }}',
      html: html(
        h1('Es funktioniert'),
        p('Dies ist eine Testnachricht von {{ brand.name }}{% if requested_by %}, gesendet auf Wunsch von {{ requested_by }}{% endif %}.'),
        p('Wenn Sie sie lesen können, erreicht Sie E-Mail von diesem Absender, und Vorlagen werden mit Ihrem Branding dargestellt.'),
        note('Es ist nichts zu tun.'),
      ),
      text: text(
        'Dies ist eine Testnachricht von {{ brand.name }}{% if requested_by %}, gesendet auf Wunsch von {{ requested_by }}{% endif %}.',
        'Wenn Sie sie lesen können, erreicht Sie E-Mail von diesem Absender, und Vorlagen werden mit Ihrem Branding dargestellt.',
      ),
    },
  },
};
