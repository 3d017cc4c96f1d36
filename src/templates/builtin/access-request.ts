import type { TemplateDraft } from '../../core/templates/templates.js';
import { fallbackLink, h1, html, p, quote, text } from './markup.js';

export const accessRequest: TemplateDraft = {
  name: 'Access request',
  purpose: 'access_request',
  layout: 'default',
  sampleData: {
    requester: { name: 'Carla Contractor', email: 'carla@partner.example' },
    resource: { name: 'Production database (read-only)' },
    reason: 'Investigating ticket OPS-1234.',
    review_url: 'https://app.example.com/access-requests/42',
  },
  locales: {
    en: {
      subject: '{{ requester.name }} requests access to {{ resource.name }}',
      html: html(
        h1('Access request'),
        p('{{ requester.name }} ({{ requester.email }}) asks for access to <strong>{{ resource.name }}</strong>.'),
        '{% if reason %}' + p('Their reason:') + quote('reason') + '{% endif %}',
        '{{ review_url | button: "Review the request" }}',
        p('Only approve requests you expect. The request stays open until someone decides.'),
        fallbackLink('If the button does not work, copy this link into your browser:', 'review_url'),
      ),
      text: text(
        '{{ requester.name }} ({{ requester.email }}) asks for access to {{ resource.name }}.',
        '{% if reason %}Their reason:\n{{ reason }}{% endif %}',
        'Review the request: {{ review_url }}',
        'Only approve requests you expect. The request stays open until someone decides.',
      ),
    },
    de: {
      subject: '{{ requester.name }} bittet um Zugriff auf {{ resource.name }}',
      html: html(
        h1('Zugriffsanfrage'),
        p('{{ requester.name }} ({{ requester.email }}) bittet um Zugriff auf <strong>{{ resource.name }}</strong>.'),
        '{% if reason %}' + p('Begründung:') + quote('reason') + '{% endif %}',
        '{{ review_url | button: "Anfrage prüfen" }}',
        p('Genehmigen Sie nur Anfragen, die Sie erwarten. Die Anfrage bleibt offen, bis jemand entscheidet.'),
        fallbackLink('Falls der Button nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:', 'review_url'),
      ),
      text: text(
        '{{ requester.name }} ({{ requester.email }}) bittet um Zugriff auf {{ resource.name }}.',
        '{% if reason %}Begründung:\n{{ reason }}{% endif %}',
        'Anfrage prüfen: {{ review_url }}',
        'Genehmigen Sie nur Anfragen, die Sie erwarten. Die Anfrage bleibt offen, bis jemand entscheidet.',
      ),
    },
  },
};
