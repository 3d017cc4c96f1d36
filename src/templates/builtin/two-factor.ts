import type { TemplateDraft } from '../../core/templates/templates.js';
import { h1, hello, html, note, p, text } from './markup.js';

/** The code large and spaced, in a monospace font that tells 0 from O. */
const code = '<p style="margin:24px 0;font-family:Menlo,Consolas,\'Courier New\',monospace;font-size:32px;font-weight:700;letter-spacing:6px;color:#111827;">{{ code }}</p>';

export const twoFactor: TemplateDraft = {
  name: 'Two-factor code',
  purpose: 'two_factor',
  layout: 'default',
  sampleData: { user: { name: 'Ann Example' }, code: '493 817', expires_in_minutes: 10 },
  locales: {
    en: {
      subject: '{{ code }} is your {{ brand.name }} verification code',
      html: html(
        h1('Your verification code'),
        p(hello.en()),
        p('enter this code to finish signing in:'),
        code,
        p('It expires in {{ expires_in_minutes }} minutes. Never share it: {{ brand.name }} will never ask you for it.'),
        note('If you did not try to sign in, change your password now.'),
      ),
      text: text(
        hello.en(),
        'enter this code to finish signing in:',
        '    {{ code }}',
        'It expires in {{ expires_in_minutes }} minutes. Never share it: {{ brand.name }} will never ask you for it.',
        'If you did not try to sign in, change your password now.',
      ),
    },
    de: {
      subject: '{{ code }} ist Ihr Bestätigungscode für {{ brand.name }}',
      html: html(
        h1('Ihr Bestätigungscode'),
        p(hello.de()),
        p('geben Sie diesen Code ein, um die Anmeldung abzuschließen:'),
        code,
        p('Er läuft in {{ expires_in_minutes }} Minuten ab. Geben Sie ihn nie weiter: {{ brand.name }} wird Sie nie danach fragen.'),
        note('Falls Sie sich nicht anmelden wollten, ändern Sie jetzt Ihr Passwort.'),
      ),
      text: text(
        hello.de(),
        'geben Sie diesen Code ein, um die Anmeldung abzuschließen:',
        '    {{ code }}',
        'Er läuft in {{ expires_in_minutes }} Minuten ab. Geben Sie ihn nie weiter: {{ brand.name }} wird Sie nie danach fragen.',
        'Falls Sie sich nicht anmelden wollten, ändern Sie jetzt Ihr Passwort.',
      ),
    },
  },
};
