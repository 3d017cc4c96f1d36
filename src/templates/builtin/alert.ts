import type { TemplateDraft } from '../../core/templates/templates.js';
import { h1, html, note, quote, text } from './markup.js';

/**
 * The status in words and a colour for it (also in words, never by colour alone). A recovery
 * is green whatever status it reports.
 */
const status = (words: { recovered: string; OK: string; WARN: string; CRIT: string; NO_DATA: string }) =>
  `{% if alert.is_recovery %}{% assign label = "${words.recovered}" %}{% assign tone = "#15803d" %}{% else %}{% case alert.status %}` +
  `{% when "OK" %}{% assign label = "${words.OK}" %}{% assign tone = "#15803d" %}` +
  `{% when "WARN" %}{% assign label = "${words.WARN}" %}{% assign tone = "#b45309" %}` +
  `{% when "CRIT" %}{% assign label = "${words.CRIT}" %}{% assign tone = "#b91c1c" %}` +
  `{% when "NO_DATA" %}{% assign label = "${words.NO_DATA}" %}{% assign tone = "#4b5563" %}` +
  `{% else %}{% assign label = alert.status %}{% assign tone = "#4b5563" %}{% endcase %}{% endif %}`;

const badge = '<p style="margin:0 0 16px 0;"><span style="display:inline-block;padding:4px 12px;border-radius:999px;font-size:13px;font-weight:700;color:#ffffff;background-color:{{ tone }};">{{ label }}</span></p>';

const row = (label: string, value: string) => `<tr><th scope="row" align="left" style="padding:4px 16px 4px 0;font-weight:600;color:#4b5563;vertical-align:top;">${label}</th><td style="padding:4px 0;">${value}</td></tr>`;
const facts = (l: { host: string; service: string; status: string; since: string; ack: string; format: string }) =>
  '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px 0;font-size:15px;">' +
  row(l.host, '{{ alert.host.name }}') +
  row(l.service, '{{ alert.service.display_name }}') +
  row(l.status, '{{ alert.status }}') +
  `{% if alert.triggered_at %}${row(l.since, `{{ alert.triggered_at | date: "${l.format}" }}`)}{% endif %}` +
  `{% if alert.acknowledged_by %}${row(l.ack, '{{ alert.acknowledged_by }}')}{% endif %}` +
  '</table>';

export const alert: TemplateDraft = {
  name: 'Alert',
  purpose: 'alert',
  layout: 'default',
  sampleData: {
    alert: {
      status: 'CRIT',
      is_recovery: false,
      host: { name: 'db-01.example.net' },
      service: { display_name: 'Disk usage /var' },
      message: 'Disk usage is 96 % (threshold 90 %).',
      host_url: 'https://monitor.example.com/hosts/db-01',
      acknowledged_by: null,
      triggered_at: '2026-03-02T08:15:00Z',
    },
  },
  locales: {
    en: {
      subject: '{% if alert.is_recovery %}[RECOVERED]{% else %}[{{ alert.status }}]{% endif %} {{ alert.service.display_name }} on {{ alert.host.name }}',
      html: html(
        status({ recovered: 'Recovered', OK: 'OK', WARN: 'Warning', CRIT: 'Critical', NO_DATA: 'No data' }),
        h1('{{ alert.service.display_name }} on {{ alert.host.name }}'),
        badge,
        quote('alert.message'),
        facts({ host: 'Host', service: 'Service', status: 'Status', since: 'Since', ack: 'Acknowledged by', format: '%Y-%m-%d %H:%M UTC' }),
        '{{ alert.host_url | button: "Open the host" }}',
        note('{% if alert.is_recovery %}No action is needed.{% elsif alert.acknowledged_by %}{{ alert.acknowledged_by }} is looking into it.{% else %}Nobody has acknowledged this alert yet.{% endif %}'),
      ),
      text: text(
        '{% if alert.is_recovery %}RECOVERED{% else %}{{ alert.status }}{% endif %}: {{ alert.service.display_name }} on {{ alert.host.name }}',
        '{{ alert.message }}',
        'Host:     {{ alert.host.name }}\nService:  {{ alert.service.display_name }}\nStatus:   {{ alert.status }}{% if alert.triggered_at %}\nSince:    {{ alert.triggered_at | date: "%Y-%m-%d %H:%M UTC" }}{% endif %}{% if alert.acknowledged_by %}\nAcknowledged by: {{ alert.acknowledged_by }}{% endif %}',
        'Open the host: {{ alert.host_url }}',
      ),
    },
    de: {
      subject: '{% if alert.is_recovery %}[BEHOBEN]{% else %}[{{ alert.status }}]{% endif %} {{ alert.service.display_name }} auf {{ alert.host.name }}',
      html: html(
        status({ recovered: 'Behoben', OK: 'OK', WARN: 'Warnung', CRIT: 'Kritisch', NO_DATA: 'Keine Daten' }),
        h1('{{ alert.service.display_name }} auf {{ alert.host.name }}'),
        badge,
        quote('alert.message'),
        facts({ host: 'Host', service: 'Dienst', status: 'Status', since: 'Seit', ack: 'Bestätigt von', format: '%d.%m.%Y %H:%M UTC' }),
        '{{ alert.host_url | button: "Host öffnen" }}',
        note('{% if alert.is_recovery %}Es ist nichts zu tun.{% elsif alert.acknowledged_by %}{{ alert.acknowledged_by }} kümmert sich darum.{% else %}Noch niemand hat diesen Alarm bestätigt.{% endif %}'),
      ),
      text: text(
        '{% if alert.is_recovery %}BEHOBEN{% else %}{{ alert.status }}{% endif %}: {{ alert.service.display_name }} auf {{ alert.host.name }}',
        '{{ alert.message }}',
        'Host:     {{ alert.host.name }}\nDienst:   {{ alert.service.display_name }}\nStatus:   {{ alert.status }}{% if alert.triggered_at %}\nSeit:     {{ alert.triggered_at | date: "%d.%m.%Y %H:%M UTC" }}{% endif %}{% if alert.acknowledged_by %}\nBestätigt von: {{ alert.acknowledged_by }}{% endif %}',
        'Host öffnen: {{ alert.host_url }}',
      ),
    },
  },
};
