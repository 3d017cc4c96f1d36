import { Notice } from '../../ui/index.js';

/** While MAILROOM_MAIL_DRIVER=log, server settings are read-only; the server pages say why. */
export function LogDriverLock() {
  return (
    <Notice kind="warning">
      <strong>Locked:</strong> the log driver is active (<code>MAILROOM_MAIL_DRIVER=log</code>), so server settings are read-only and no mail leaves Mailroom. Set{' '}
      <code>MAILROOM_MAIL_DRIVER=smtp</code> and restart to edit them.
    </Notice>
  );
}
