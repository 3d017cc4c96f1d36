import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { LoginThrottle } from '../core/access/login-throttle.js';
import type { CoreContext } from '../core/context.js';
import type { Mailbox } from '../core/kernel/addresses.js';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import { authenticate, checkSessionPassword, cleanUsername, clientAllowed, credentialForClient, NO_SUCH_USERNAME, recordedUsernameOf } from '../core/relay/authentication.js';
import type { StoredSmtpCredential } from '../core/relay/credentials.js';
import type { MimeHeaderReader, RejectionStage } from '../core/relay/ports.js';
import type { RejectionLog } from '../core/relay/rejections.js';
import { acceptRelayMessage, checkDeclaredSize, checkEnvelopeSender, checkRecipient, messageTooLarge, takeTransaction } from '../core/relay/submission.js';
import type { Logger } from '../logger.js';
import { unofferedParameter } from './parameters.js';
import { smtpReply, unexpected, type SmtpReply } from './replies.js';

export interface SessionDeps {
  ctx: CoreContext;
  logger: Logger;
  throttle: LoginThrottle;
  rejections: RejectionLog;
  headers: MimeHeaderReader;
  /** The name the relay greets with and writes into Received fields. */
  serverName: string;
}

/** What the relay remembers about one connection beside smtp-server's own session. */
interface State {
  credential?: StoredSmtpCredential;
  /** The credential's password hash when AUTH succeeded: a rotation since ends the session's sending. */
  loginPasswordHash?: string | null;
  /** The username of the last AUTH, and the credential it named, for the rejections list. */
  username?: string;
  triedCredentialId?: string | null;
  recipients: Mailbox[];
  /** The stage and reply of the refusal recorded last in this session: the same again is a follow-on. */
  recorded?: string;
  /** True while the relay's own refusal is being sent, so refusedBySmtpLayer() leaves it alone. */
  answering?: boolean;
  /** Refusals not recorded because they followed the one that explains the session. */
  followOns: number;
}

type Done = (err?: Error | null, message?: string) => void;

/** A failed AUTH waits 0.5 s per failure so far from that address or for that username, at most 5 s. */
export const authFailureDelayMs = (failures: number) => Math.min(500 * failures, 5_000);

/**
 * smtp-server's handlers for the relay: each asks the core (core/relay) and answers with the
 * reply of src/relay/replies.ts. A refusal is recorded for the admin UI; a message gets
 * `250 2.0.0 queued as msg_…` only once the core has committed it.
 */
export function relaySessionHandlers(deps: SessionDeps) {
  const { ctx, logger } = deps;
  const states = new WeakMap<SMTPServerSession, State>();
  const stateOf = (s: SMTPServerSession) => {
    let st = states.get(s);
    if (!st) states.set(s, (st = { recipients: [], followOns: 0 }));
    return st;
  };
  const clientIp = (s: SMTPServerSession) => s.remoteAddress || null;

  /**
   * A refusal goes to the rejections list unless it repeats the one recorded last in the session
   * (a client sending the same refused MAIL FROM again): that is counted as a follow-on.
   */
  const record = (s: SMTPServerSession, stage: RejectionStage, code: number, reply: string) => {
    const st = stateOf(s);
    if (st.recorded === `${stage} ${reply}`) {
      st.followOns++;
      return;
    }
    st.recorded = `${stage} ${reply}`;
    deps.rejections
      .record({ clientIp: clientIp(s), credentialId: st.credential?.id ?? st.triedCredentialId ?? null, username: st.username ?? null, stage, code, reply })
      .catch((err) => logger.warn({ err }, 'could not record a refused SMTP command'));
  };

  const answer = (s: SMTPServerSession, stage: RejectionStage, r: SmtpReply, done: (err: Error) => void) => {
    const st = stateOf(s);
    record(s, stage, r.code, `${r.code} ${r.text}`);
    // smtp-server writes the reply inside done(); refusedBySmtpLayer() sees it as the relay's.
    st.answering = true;
    try {
      done(Object.assign(new Error(r.text), { responseCode: r.code }));
    } finally {
      st.answering = false;
    }
  };

  const refuse = (s: SMTPServerSession, stage: RejectionStage, err: unknown, done: (err: Error) => void) => {
    if (unexpected(err)) logger.error({ err, stage, session: s.id }, 'the SMTP relay failed on a command; the client was told to try again');
    answer(s, stage, smtpReply(err, stage), done);
  };

  /**
   * The session's credential as the store has it now, or the refusal that ends its sending:
   * deleted, switched off, its password changed since AUTH (530), the client's address no longer
   * listed (550). Asked at MAIL FROM and again at the end of DATA, so a change made while a
   * transaction is open stops that message too, with the same words.
   */
  const currentCredential = async (s: SMTPServerSession, st: State): Promise<StoredSmtpCredential> => {
    const c = s.user ? await ctx.store.repos.smtpCredentials.get(s.user) : await credentialForClient(ctx, clientIp(s) ?? '');
    if (!c) {
      throw new MailroomError(
        ErrorCodes.UNAUTHENTICATED,
        s.user ? 'this SMTP credential was deleted; log in again with a valid one' : 'authentication required: log in with AUTH PLAIN or LOGIN after STARTTLS (or on the implicit-TLS port)',
      );
    }
    if (!c.enabled) throw new MailroomError(ErrorCodes.UNAUTHENTICATED, `SMTP credential "${c.name}" is switched off`);
    if (s.user) checkSessionPassword(c, st.loginPasswordHash ?? null);
    if (!clientAllowed(c, clientIp(s) ?? '')) throw new MailroomError(ErrorCodes.FORBIDDEN, `client address ${clientIp(s)} may not use SMTP credential "${c.name}"`);
    return c;
  };

  /** ESMTP, ESMTPS, ESMTPA or ESMTPSA (RFC 3848), for the Received field. */
  const protocol = (s: SMTPServerSession) => `${s.openingCommand === 'HELO' ? 'SMTP' : 'ESMTP'}${s.secure ? 'S' : ''}${s.user ? 'A' : ''}`;

  return {
    onAuth(auth: SMTPServerAuthentication, s: SMTPServerSession, done: (err: Error | null | undefined, response?: { user?: string }) => void): void {
      const st = stateOf(s);
      const typed = auth.username ?? '';
      // Recorded only once it is known to name a credential: an unknown one may be a password
      // typed into the wrong field, and is listed as "(no such username)" (core/relay/authentication.ts).
      st.username = undefined;
      const ip = clientIp(s) ?? '';
      /** A refusal before the core looked the username up (the throttle, an outage). */
      const refuseUnchecked = (err: unknown) => {
        void recordedUsernameOf(ctx, typed)
          .catch(() => NO_SUCH_USERNAME)
          .then((recorded) => {
            st.username = recorded;
            refuse(s, 'auth', err, done);
          });
      };
      // A proxy login (an authzid naming another identity) is a failed AUTH like a wrong password:
      // counted, slowed and audited by authenticate(), its authzid never recorded.
      authenticate(ctx, deps.throttle, { username: typed, password: auth.password ?? '', clientIp: ip, mechanism: auth.method, authzid: auth.authzid }).then(
        (r) => {
          if (r.ok) {
            st.username = cleanUsername(r.credential.username);
            st.credential = r.credential;
            st.loginPasswordHash = r.credential.passwordHash;
            return done(null, { user: r.credential.id });
          }
          st.username = r.username;
          st.triedCredentialId = r.credentialId;
          // Slowed, so guessing a password costs time even from many connections.
          setTimeout(() => refuse(s, 'auth', r.error, done), authFailureDelayMs(r.failures)).unref();
        },
        refuseUnchecked,
      );
    },

    onMailFrom(address: SMTPServerAddress, s: SMTPServerSession, done: Done): void {
      const st = stateOf(s);
      st.recipients = [];
      (async () => {
        const c = await currentCredential(s, st);
        st.credential = c;
        const unoffered = unofferedParameter('mail', address.args);
        if (unoffered) return unoffered;
        const size = (address.args as { SIZE?: string }).SIZE;
        checkDeclaredSize(c, size === undefined ? undefined : Number(size));
        checkEnvelopeSender(c, address.address);
        await takeTransaction(ctx, c);
        return undefined;
      })().then(
        (unoffered) => (unoffered ? answer(s, 'mail', unoffered, done) : done()),
        (err: unknown) => refuse(s, 'mail', err, done),
      );
    },

    onRcptTo(address: SMTPServerAddress, s: SMTPServerSession, done: Done): void {
      const st = stateOf(s);
      try {
        if (!st.credential) throw new MailroomError(ErrorCodes.UNAUTHENTICATED, 'authentication required');
        const unoffered = unofferedParameter('rcpt', address.args);
        if (unoffered) return answer(s, 'rcpt', unoffered, done);
        const m = checkRecipient(st.credential, address.address, st.recipients);
        if (!st.recipients.some((r) => r.address.toLowerCase() === m.address.toLowerCase())) st.recipients.push(m);
        done();
      } catch (err) {
        refuse(s, 'rcpt', err, done);
      }
    },

    onData(stream: SMTPServerDataStream, s: SMTPServerSession, done: Done): void {
      const st = stateOf(s);
      const c = st.credential;
      const chunks: Buffer[] = [];
      let size = 0;
      // Past the credential's limit nothing more is kept; the rest is read and dropped.
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (c && size <= c.maxMessageBytes) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (!c) return refuse(s, 'data', new MailroomError(ErrorCodes.UNAUTHENTICATED, 'authentication required'), done);
        if (size > c.maxMessageBytes) return refuse(s, 'data', messageTooLarge(c, size), done);
        const transaction = { clientIp: clientIp(s) ?? '', helo: s.hostNameAppearsAs ?? '', protocol: protocol(s), serverName: deps.serverName, recipients: st.recipients };
        // Switched off, deleted or given a new password since MAIL FROM: this message is refused too, not queued.
        currentCredential(s, st)
          .then((now) => {
            // A client-ip credential whose addresses moved to another since MAIL FROM: the
            // envelope was checked against the first one's rules, the message must not be by the other's.
            if (now.id !== c.id) throw new MailroomError(ErrorCodes.FORBIDDEN, `client address ${clientIp(s)} is no longer one of SMTP credential "${c.name}"'s: start the transaction again (MAIL FROM)`);
            return acceptRelayMessage(ctx, deps.headers, now, transaction, Buffer.concat(chunks, size));
          })
          .then(
            (r) => {
              logger.debug({ messageId: r.id, credential: c.name, recipients: st.recipients.length, bytes: size }, 'relay: message queued');
              // A new transaction: a refusal after it is news again, even one like an earlier one.
              st.recorded = undefined;
              done(null, `2.0.0 queued as ${r.id}`);
            },
            (err: unknown) => refuse(s, 'data', err, done),
          );
      });
    },

    onClose(s: SMTPServerSession): void {
      const st = states.get(s);
      if (st?.followOns) logger.debug({ session: s.id, clientIp: clientIp(s), followOns: st.followOns, refusal: st.recorded }, 'SMTP relay: refused commands that followed a recorded refusal were not recorded');
    },

    /**
     * Called by the listener after every reply of 400 or more (its text is then the session's
     * `error`). The relay's own refusals are recorded where they are made; this records the
     * ones smtp-server makes itself (AUTH before TLS, an HTTP request, a command out of order,
     * a timeout), but only when it is the session's first: after a refusal, the 503s a client
     * earns by sending RCPT and DATA anyway are its consequence, counted, not listed.
     */
    refusedBySmtpLayer(s: SMTPServerSession): void {
      const st = stateOf(s);
      const reply = (s as SMTPServerSession & { error?: string }).error;
      if (st.answering || !reply) return;
      if (st.recorded) {
        st.followOns++;
        return;
      }
      record(s, 'protocol', Number(reply.slice(0, 3)) || 0, reply);
    },
  };
}
