import type { TemplateDraft } from '../../core/templates/templates.js';
import { h1, hello, html, note, p, quote, text } from './markup.js';

export const contactAutoreply: TemplateDraft = {
  name: 'Contact form auto-reply',
  purpose: 'contact_autoreply',
  layout: 'default',
  sampleData: { name: 'Dana Visitor', email: 'dana@example.org', subject: 'Question about pricing', message: 'Hello,\ndo you offer discounts for non-profits?\nThanks, Dana' },
  locales: {
    en: {
      subject: 'We received your message: {{ subject }}',
      html: html(
        h1('Thank you for your message'),
        p(hello.en('name')),
        p('thank you for contacting {{ brand.name }}. We received your message “{{ subject }}” and will answer as soon as we can, usually within two working days.'),
        '{% if message %}' + p('Your message:') + quote('message') + '{% endif %}',
        note('This is an automatic reply; there is no need to answer it.'),
      ),
      text: text(
        hello.en('name'),
        'thank you for contacting {{ brand.name }}. We received your message “{{ subject }}” and will answer as soon as we can, usually within two working days.',
        '{% if message %}Your message:\n{{ message }}{% endif %}',
        'This is an automatic reply; there is no need to answer it.',
      ),
    },
    de: {
      subject: 'Wir haben Ihre Nachricht erhalten: {{ subject }}',
      html: html(
        h1('Vielen Dank für Ihre Nachricht'),
        p(hello.de('name')),
        p('vielen Dank, dass Sie {{ brand.name }} kontaktiert haben. Wir haben Ihre Nachricht „{{ subject }}“ erhalten und antworten so bald wie möglich, in der Regel innerhalb von zwei Werktagen.'),
        '{% if message %}' + p('Ihre Nachricht:') + quote('message') + '{% endif %}',
        note('Dies ist eine automatische Antwort; Sie müssen nicht darauf antworten.'),
      ),
      text: text(
        hello.de('name'),
        'vielen Dank, dass Sie {{ brand.name }} kontaktiert haben. Wir haben Ihre Nachricht „{{ subject }}“ erhalten und antworten so bald wie möglich, in der Regel innerhalb von zwei Werktagen.',
        '{% if message %}Ihre Nachricht:\n{{ message }}{% endif %}',
        'Dies ist eine automatische Antwort; Sie müssen nicht darauf antworten.',
      ),
    },
  },
};
