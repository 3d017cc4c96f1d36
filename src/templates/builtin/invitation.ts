import type { TemplateDraft } from '../../core/templates/templates.js';
import { fallbackLink, h1, hello, html, p, text } from './markup.js';

export const invitation: TemplateDraft = {
  name: 'Invitation',
  purpose: 'invitation',
  layout: 'default',
  sampleData: { user: { name: 'Ann Example' }, inviter: { name: 'Ben Builder' }, workspace: { name: 'Acme Production' }, invite_url: 'https://app.example.com/invite?token=sample-token', expires_in_days: 7 },
  locales: {
    en: {
      subject: '{{ inviter.name }} invited you to {{ workspace.name }}',
      html: html(
        h1('You are invited'),
        p(hello.en()),
        p('{{ inviter.name }} invited you to join <strong>{{ workspace.name }}</strong> on {{ brand.name }}.'),
        '{{ invite_url | button: "Accept the invitation" }}',
        p('The invitation expires in {{ expires_in_days }} days. If you did not expect it, you can ignore this email.'),
        fallbackLink('If the button does not work, copy this link into your browser:', 'invite_url'),
      ),
      text: text(
        hello.en(),
        '{{ inviter.name }} invited you to join {{ workspace.name }} on {{ brand.name }}. Accept the invitation here:',
        '{{ invite_url }}',
        'The invitation expires in {{ expires_in_days }} days. If you did not expect it, you can ignore this email.',
      ),
    },
    de: {
      subject: '{{ inviter.name }} hat Sie zu {{ workspace.name }} eingeladen',
      html: html(
        h1('Sie sind eingeladen'),
        p(hello.de()),
        p('{{ inviter.name }} lädt Sie ein, <strong>{{ workspace.name }}</strong> bei {{ brand.name }} beizutreten.'),
        '{{ invite_url | button: "Einladung annehmen" }}',
        p('Die Einladung läuft in {{ expires_in_days }} Tagen ab. Falls Sie sie nicht erwartet haben, können Sie diese E-Mail ignorieren.'),
        fallbackLink('Falls der Button nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:', 'invite_url'),
      ),
      text: text(
        hello.de(),
        '{{ inviter.name }} lädt Sie ein, {{ workspace.name }} bei {{ brand.name }} beizutreten. Hier nehmen Sie die Einladung an:',
        '{{ invite_url }}',
        'Die Einladung läuft in {{ expires_in_days }} Tagen ab. Falls Sie sie nicht erwartet haben, können Sie diese E-Mail ignorieren.',
      ),
    },
  },
};
