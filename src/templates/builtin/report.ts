import type { TemplateDraft } from '../../core/templates/templates.js';
import { h1, html, note, p, text } from './markup.js';

const items =
  '{% if report.items.size > 0 %}<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" style="margin:0 0 16px 0;font-size:15px;border-collapse:collapse;">' +
  '{% for item in report.items %}<tr><td style="padding:8px 0;border-bottom:1px solid #e5e7eb;">{{ item.label }}</td><td align="right" style="padding:8px 0;border-bottom:1px solid #e5e7eb;font-weight:600;">{{ item.value }}</td></tr>{% endfor %}' +
  '</table>{% endif %}';
const itemsText = '{% if report.items.size > 0 %}{% for item in report.items %}- {{ item.label }}: {{ item.value }}\n{% endfor %}{% endif %}';

export const report: TemplateDraft = {
  name: 'Report',
  purpose: 'report',
  layout: 'default',
  sampleData: {
    report: {
      name: 'Weekly security summary',
      period: '23 Feb – 1 Mar 2026',
      summary: '3 new findings, 12 resolved.',
      url: 'https://app.example.com/reports/weekly',
      items: [
        { label: 'New findings', value: '3' },
        { label: 'Resolved', value: '12' },
        { label: 'Open, critical', value: '1' },
      ],
    },
  },
  locales: {
    en: {
      subject: 'Your report: {{ report.name }} ({{ report.period }})',
      html: html(
        h1('{{ report.name }}'),
        p('Period: {{ report.period }}'),
        '{% if report.summary %}' + p('{{ report.summary }}') + '{% endif %}',
        items,
        '{{ report.url | button: "Open the full report" }}',
        note('You receive this report because it is scheduled for you in {{ brand.name }}.'),
      ),
      text: text(
        '{{ report.name }}\nPeriod: {{ report.period }}',
        '{% if report.summary %}{{ report.summary }}{% endif %}',
        itemsText,
        'The full report: {{ report.url }}',
        'You receive this report because it is scheduled for you in {{ brand.name }}.',
      ),
    },
    de: {
      subject: 'Ihr Bericht: {{ report.name }} ({{ report.period }})',
      html: html(
        h1('{{ report.name }}'),
        p('Zeitraum: {{ report.period }}'),
        '{% if report.summary %}' + p('{{ report.summary }}') + '{% endif %}',
        items,
        '{{ report.url | button: "Vollständigen Bericht öffnen" }}',
        note('Sie erhalten diesen Bericht, weil er in {{ brand.name }} für Sie geplant ist.'),
      ),
      text: text(
        '{{ report.name }}\nZeitraum: {{ report.period }}',
        '{% if report.summary %}{{ report.summary }}{% endif %}',
        itemsText,
        'Der vollständige Bericht: {{ report.url }}',
        'Sie erhalten diesen Bericht, weil er in {{ brand.name }} für Sie geplant ist.',
      ),
    },
  },
};
