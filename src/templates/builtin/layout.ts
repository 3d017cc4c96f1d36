import type { ShippedLayout } from '../../core/templates/ports.js';

/**
 * The branded default layout: a centred card up to 600 px wide on a light background (full
 * width on a phone), the logo or the brand name on top, a bar in the brand colour, the footer
 * below. Tables for the structure and inline styles, because Outlook and older clients ignore
 * the rest; `lang`, a title and role="presentation" for screen readers; `dir` by the locale
 * (rtl for Arabic, Hebrew, Persian …), so a right-to-left message reads and aligns as one.
 */
const html = `<!DOCTYPE html>
<html lang="{{ locale }}" dir="{{ dir }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light only">
<title>{{ subject }}</title>
<style>
  body { margin: 0; padding: 0; }
  a { color: {{ brand.color }}; }
  @media only screen and (max-width: 620px) {
    .card { width: 100% !important; border-radius: 0 !important; }
    .pad { padding-left: 20px !important; padding-right: 20px !important; }
  }
</style>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f4f6;">
  <tr>
    <td align="center" style="padding:24px 8px;">
      <table role="presentation" class="card" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px;background-color:#ffffff;border-radius:8px;border-top:4px solid {{ brand.color }};">
        <tr>
          <td class="pad" style="padding:24px 40px 8px 40px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;">
            {% if brand.logoUrl %}<img src="{{ brand.logoUrl }}" alt="{{ brand.name }}" height="40" style="display:block;height:40px;width:auto;border:0;">{% else %}<span style="font-size:20px;font-weight:700;color:#111827;">{{ brand.name }}</span>{% endif %}
          </td>
        </tr>
        <tr>
          <td class="pad" style="padding:8px 40px 32px 40px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2937;">
{{ content }}
          </td>
        </tr>
      </table>
      <table role="presentation" class="card" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px;">
        <tr>
          <td class="pad" style="padding:16px 40px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:12px;line-height:1.5;color:#4b5563;text-align:center;">
            {% if brand.footer != blank %}{{ brand.footer | escape | newline_to_br | raw }}<br>{% endif %}{{ brand.name }}
          </td>
        </tr>
      </table>
    </td>
  </tr>
</table>
</body>
</html>
`;

const text = `{{ content }}

-- 
{{ brand.name }}{% if brand.footer != blank %}
{{ brand.footer }}{% endif %}
`;

export const DEFAULT_LAYOUT_DRAFT: ShippedLayout = {
  name: 'Branded default',
  html,
  text,
  supersedes: [
    // Until `dir` followed the locale (it was dir="ltr" for every locale).
    '119d74128809eebf08db891d1afe4fd1c392b3b607d12450d92ecf0314cf0c77',
  ],
};
