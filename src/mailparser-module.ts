/**
 * mailparser, loaded on first use: it takes ~0.25 s of CPU to import, and most processes (a
 * one-shot CLI command, a server that reads no mailbox and relays nothing) never parse mail.
 * Shared by the IMAP reader's parser and the relay's header reader.
 */
let loaded: Promise<typeof import('mailparser')> | undefined;

export const mailparser = (): Promise<typeof import('mailparser')> => (loaded ??= import('mailparser'));
