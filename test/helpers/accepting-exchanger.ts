import { SMTPServer } from 'smtp-server';

/**
 * An exchanger that takes every message, on `host:port` (a loopback address of its own, as direct
 * delivery's exchangers are told apart by address), without STARTTLS, pushing each message's
 * recipients onto `received`.
 */
export async function startAcceptingExchanger(host: string, port: number, received: string[]): Promise<SMTPServer> {
  const server = new SMTPServer({
    disableReverseLookup: true,
    logger: false,
    authOptional: true,
    hideSTARTTLS: true,
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}
