import type { TemplateDraft } from '../../core/templates/templates.js';
import { fallbackLink, h1, hello, html, p, text } from './markup.js';

export const magicLink: TemplateDraft = {
  name: 'Sign-in link',
  purpose: 'magic_link',
  layout: 'default',
  sampleData: { user: { name: 'Ann Example' }, login_url: 'https://app.example.com/login?token=sample-token', expires_in_minutes: 15 },
  locales: {
    en: {
      subject: 'Your sign-in link for {{ brand.name }}',
      html: html(
        h1('Sign in to {{ brand.name }}'),
        p(hello.en()),
        p('use this button to sign in. No password needed.'),
        '{{ login_url | button: "Sign in" }}',
        p('The link works once and expires in {{ expires_in_minutes }} minutes. If you did not try to sign in, you can ignore this email.'),
        fallbackLink('If the button does not work, copy this link into your browser:', 'login_url'),
      ),
      text: text(
        hello.en(),
        'use this link to sign in to {{ brand.name }}. No password needed.',
        '{{ login_url }}',
        'The link works once and expires in {{ expires_in_minutes }} minutes. If you did not try to sign in, you can ignore this email.',
      ),
    },
    de: {
      subject: 'Ihr Anmeldelink für {{ brand.name }}',
      html: html(
        h1('Bei {{ brand.name }} anmelden'),
        p(hello.de()),
        p('mit diesem Button melden Sie sich an, ganz ohne Passwort.'),
        '{{ login_url | button: "Anmelden" }}',
        p('Der Link gilt einmal und läuft in {{ expires_in_minutes }} Minuten ab. Falls Sie sich nicht anmelden wollten, können Sie diese E-Mail ignorieren.'),
        fallbackLink('Falls der Button nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:', 'login_url'),
      ),
      text: text(
        hello.de(),
        'mit diesem Link melden Sie sich bei {{ brand.name }} an, ganz ohne Passwort.',
        '{{ login_url }}',
        'Der Link gilt einmal und läuft in {{ expires_in_minutes }} Minuten ab. Falls Sie sich nicht anmelden wollten, können Sie diese E-Mail ignorieren.',
      ),
    },
  },
};
