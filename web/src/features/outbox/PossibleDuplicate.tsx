import type { MessageDetail } from '../../api.js';
import { Badge, Notice } from '../../ui/index.js';

/** Beside a status: an attempt may have delivered the message without the server confirming it. */
export function PossibleDuplicateBadge() {
  return (
    <Badge kind="warn" title="The whole message went out and the server did not confirm it: the recipient may already have it, and a retry may deliver a second copy.">
      possible duplicate
    </Badge>
  );
}

/** What happened and what it means, above the message's facts. */
export function PossibleDuplicateNotice({ message }: { message: MessageDetail }) {
  const retried = message.status === 'sent' || message.status === 'deferred' || message.status === 'queued';
  return (
    <Notice kind="warning">
      <strong>Possible duplicate.</strong> An attempt sent the whole message but the server's confirmation never came (see the attempts below), so the recipient may
      already have it.{' '}
      {retried
        ? 'Mailroom retried it as usual, so the recipient may see it twice.'
        : 'Mailroom did not retry it automatically: check with the recipient before you retry, or they may get it twice.'}
    </Notice>
  );
}
