import type { LocaleContent, TemplateDraft } from '../../core/templates/templates.js';
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

type FactLabels = { host: string; service: string; status: string; since: string; ack: string; format: string };

const facts = (l: FactLabels) =>
  '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px 0;font-size:15px;">' +
  row(l.host, '{{ alert.host.name }}') +
  row(l.service, '{{ alert.service.display_name }}') +
  row(l.status, '{{ alert.status }}') +
  `{% if alert.triggered_at %}${row(l.since, `{{ alert.triggered_at | date: "${l.format}" }}`)}{% endif %}` +
  `{% if alert.acknowledged_by %}${row(l.ack, '{{ alert.acknowledged_by }}')}{% endif %}` +
  '</table>';

/** The same facts in the text part, the values lined up after the labels. */
const textLabel = (l: string) => `${l}:`.padEnd(10);
const factsText = (l: FactLabels) =>
  `${textLabel(l.host)}{{ alert.host.name }}\n${textLabel(l.service)}{{ alert.service.display_name }}\n${textLabel(l.status)}{{ alert.status }}` +
  `{% if alert.triggered_at %}\n${textLabel(l.since)}{{ alert.triggered_at | date: "${l.format}" }}{% endif %}{% if alert.acknowledged_by %}\n${l.ack}: {{ alert.acknowledged_by }}{% endif %}`;

/** One language's alert: the same blocks in both, the words of that language. */
const inLanguage = (w: {
  /** The subject's tag for a recovery, instead of the status. */
  recovered: string;
  /** "<service> on <host>". */
  on: string;
  status: Parameters<typeof status>[0];
  facts: FactLabels;
  openHost: string;
  /** The note under the button: for a recovery, an acknowledged alert, one nobody acknowledged. */
  noAction: string;
  lookingIntoIt: string;
  nobodyYet: string;
}): LocaleContent => {
  const what = `{{ alert.service.display_name }} ${w.on} {{ alert.host.name }}`;
  return {
    subject: `{% if alert.is_recovery %}[${w.recovered}]{% else %}[{{ alert.status }}]{% endif %} ${what}`,
    html: html(
      status(w.status),
      h1(what),
      badge,
      quote('alert.message'),
      facts(w.facts),
      `{{ alert.host_url | button: "${w.openHost}" }}`,
      note(`{% if alert.is_recovery %}${w.noAction}{% elsif alert.acknowledged_by %}${w.lookingIntoIt}{% else %}${w.nobodyYet}{% endif %}`),
    ),
    text: text(`{% if alert.is_recovery %}${w.recovered}{% else %}{{ alert.status }}{% endif %}: ${what}`, '{{ alert.message }}', factsText(w.facts), `${w.openHost}: {{ alert.host_url }}`),
  };
};

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
    en: inLanguage({
      recovered: 'RECOVERED',
      on: 'on',
      status: { recovered: 'Recovered', OK: 'OK', WARN: 'Warning', CRIT: 'Critical', NO_DATA: 'No data' },
      facts: { host: 'Host', service: 'Service', status: 'Status', since: 'Since', ack: 'Acknowledged by', format: '%Y-%m-%d %H:%M UTC' },
      openHost: 'Open the host',
      noAction: 'No action is needed.',
      lookingIntoIt: '{{ alert.acknowledged_by }} is looking into it.',
      nobodyYet: 'Nobody has acknowledged this alert yet.',
    }),
    de: inLanguage({
      recovered: 'BEHOBEN',
      on: 'auf',
      status: { recovered: 'Behoben', OK: 'OK', WARN: 'Warnung', CRIT: 'Kritisch', NO_DATA: 'Keine Daten' },
      facts: { host: 'Host', service: 'Dienst', status: 'Status', since: 'Seit', ack: 'Bestätigt von', format: '%d.%m.%Y %H:%M UTC' },
      openHost: 'Host öffnen',
      noAction: 'Es ist nichts zu tun.',
      lookingIntoIt: '{{ alert.acknowledged_by }} kümmert sich darum.',
      nobodyYet: 'Noch niemand hat diesen Alarm bestätigt.',
    }),
  },
};
