import type { TemplateDraft } from '../../core/templates/templates.js';
import { fallbackLink, h1, hello, html, p, text } from './markup.js';

export const passwordReset: TemplateDraft = {
  name: 'Password reset',
  purpose: 'password_reset',
  layout: 'default',
  sampleData: { user: { name: 'Ann Example' }, reset_url: 'https://app.example.com/reset?token=sample-token', expires_in_minutes: 60 },
  locales: {
    en: {
      subject: 'Reset your {{ brand.name }} password',
      html: html(
        h1('Reset your password'),
        p(hello.en()),
        p('we received a request to reset the password of your {{ brand.name }} account. Choose a new one with this button:'),
        '{{ reset_url | button: "Choose a new password" }}',
        p('The link works once and expires in {{ expires_in_minutes }} minutes. If you did not ask for it, ignore this email: your password stays as it is.'),
        fallbackLink('If the button does not work, copy this link into your browser:', 'reset_url'),
      ),
      text: text(
        hello.en(),
        'we received a request to reset the password of your {{ brand.name }} account. Choose a new one here:',
        '{{ reset_url }}',
        'The link works once and expires in {{ expires_in_minutes }} minutes. If you did not ask for it, ignore this email: your password stays as it is.',
      ),
    },
    de: {
      subject: 'Ihr Passwort für {{ brand.name }} zurücksetzen',
      html: html(
        h1('Passwort zurücksetzen'),
        p(hello.de()),
        p('wir haben eine Anfrage erhalten, das Passwort Ihres Kontos bei {{ brand.name }} zurückzusetzen. Mit diesem Button wählen Sie ein neues:'),
        '{{ reset_url | button: "Neues Passwort wählen" }}',
        p('Der Link gilt einmal und läuft in {{ expires_in_minutes }} Minuten ab. Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.'),
        fallbackLink('Falls der Button nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:', 'reset_url'),
      ),
      text: text(
        hello.de(),
        'wir haben eine Anfrage erhalten, das Passwort Ihres Kontos bei {{ brand.name }} zurückzusetzen. Hier wählen Sie ein neues:',
        '{{ reset_url }}',
        'Der Link gilt einmal und läuft in {{ expires_in_minutes }} Minuten ab. Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.',
      ),
    },
  },
};
