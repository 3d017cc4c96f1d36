import { whereInWords } from '../templates/issues.js';

/**
 * Why a rule sends nothing, with a template's field named as its editor labels it: "the
 * template’s Subject (en), line 1, …" rather than the API's path "locales.en.subject, line 1, …".
 * One function for the dry run, the event page and the events list, so all three say it alike.
 */
export function skippedInWords(message: string): string {
  const words = whereInWords(message);
  return words === message ? message : `the template’s ${words}`;
}
