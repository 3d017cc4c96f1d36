import type { Occasion, Work } from '../leave-guard.js';

/** The words of the question before work is lost (ui/WorkGuard's dialog). */
export interface LeaveQuestion {
  title: string;
  text: string;
  /** The first button, and what Enter or Escape pressed in passing do: nothing is lost. */
  stay: string;
  /** Lets the work go. */
  go: string;
}

/** "a", "a and b", "a, b and c": the work the question names. */
export function inWords(what: string[]): string {
  return what.length < 2 ? (what[0] ?? '') : `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}`;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Unsaved changes are "not saved"; a value shown once (a new API key, a signing secret, an SMTP
 * password) is "shown only this once", since that is what makes losing it final: the admin must
 * make a new one and hand it out again. Both on one page: one question naming both.
 *
 * Leaving says "leave"; a switch that replaces a part of the page (another row's Edit, a second
 * secret in the place of the first) keeps the admin on the page, so it says what goes, not "leave".
 */
export function leaveQuestion(work: Work[], occasion: Occasion): LeaveQuestion {
  const changes = work.filter((w) => w.kind === 'changes').map((w) => w.what);
  const once = work.filter((w) => w.kind === 'shown-once').map((w) => w.what);
  const leaving = occasion === 'leave';
  const it = once.length > 1 ? 'them' : 'it';
  const onceWords = `${inWords(once)} ${once.length > 1 ? 'are' : 'is'} shown only this once`;
  if (once.length === 0) {
    return {
      title: leaving ? 'Leave without saving?' : 'Discard your changes?',
      text: `Your changes to ${inWords(changes)} are not saved. ${leaving ? 'If you leave now, they are lost.' : 'If you go on, the form closes and they are lost.'}`,
      stay: 'Keep editing',
      go: leaving ? 'Discard changes and leave' : 'Discard changes',
    };
  }
  if (changes.length === 0) {
    return {
      title: leaving ? `Leave without copying ${it}?` : `Replace ${it} without copying ${it}?`,
      text: `${capital(onceWords)}: ${leaving ? `leave without copying ${it}?` : `replace ${it} without copying ${it}?`} Mailroom cannot show ${it} again.`,
      stay: `Stay and copy ${it}`,
      go: leaving ? 'Leave without copying' : 'Replace without copying',
    };
  }
  return {
    title: leaving ? 'Leave without saving or copying?' : 'Go on without saving or copying?',
    text: `Your changes to ${inWords(changes)} are not saved, and ${onceWords}. If you ${leaving ? 'leave' : 'go on'} now, they are lost.`,
    stay: 'Stay',
    go: leaving ? 'Discard and leave' : 'Discard and go on',
  };
}
