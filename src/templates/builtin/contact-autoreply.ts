import type { LocaleContent, TemplateDraft } from '../../core/templates/templates.js';
import { h1, hello, html, note, p, quote, text } from './markup.js';

/** One language's reply: the same blocks in both, the words of that language; the body stands in the HTML and the text alike. */
const reply = (w: { subject: string; title: string; greeting: string; body: string; yourMessage: string; automatic: string }): LocaleContent => ({
  subject: w.subject,
  html: html(h1(w.title), p(w.greeting), p(w.body), '{% if message %}' + p(w.yourMessage) + quote('message') + '{% endif %}', note(w.automatic)),
  text: text(w.greeting, w.body, `{% if message %}${w.yourMessage}\n{{ message }}{% endif %}`, w.automatic),
});

/**
 * The subject a visitor typed goes into the reply's subject squished (any run of line breaks and
 * spaces one space), as docs/events.md advises for typed text: a line break in it would make the
 * subject a HEADER_INJECTION refusal and the rule send nothing.
 */
export const contactAutoreply: TemplateDraft = {
  name: 'Contact form auto-reply',
  purpose: 'contact_autoreply',
  layout: 'default',
  sampleData: { name: 'Dana Visitor', email: 'dana@example.org', subject: 'Question about pricing', message: 'Hello,\ndo you offer discounts for non-profits?\nThanks, Dana' },
  locales: {
    en: reply({
      subject: 'We received your message: {{ subject | squish }}',
      title: 'Thank you for your message',
      greeting: hello.en('name'),
      body: 'thank you for contacting {{ brand.name }}. We received your message “{{ subject }}” and will answer as soon as we can, usually within two working days.',
      yourMessage: 'Your message:',
      automatic: 'This is an automatic reply; there is no need to answer it.',
    }),
    de: reply({
      subject: 'Wir haben Ihre Nachricht erhalten: {{ subject | squish }}',
      title: 'Vielen Dank für Ihre Nachricht',
      greeting: hello.de('name'),
      body: 'vielen Dank, dass Sie {{ brand.name }} kontaktiert haben. Wir haben Ihre Nachricht „{{ subject }}“ erhalten und antworten so bald wie möglich, in der Regel innerhalb von zwei Werktagen.',
      yourMessage: 'Ihre Nachricht:',
      automatic: 'Dies ist eine automatische Antwort; Sie müssen nicht darauf antworten.',
    }),
  },
};
