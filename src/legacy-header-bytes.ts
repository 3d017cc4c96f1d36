import { isUtf8 } from 'node:buffer';

/**
 * A header block as mailparser should read it: mailparser reads raw 8-bit header bytes as UTF-8,
 * so a line a legacy program wrote in Latin-1 without encoded words (`Subject: Grüße` in
 * ISO-8859-1) came out with U+FFFD for each letter. Each line that is not UTF-8 is decoded by
 * `legacy` and written back as UTF-8; a line that is UTF-8 (RFC 6532) stays as it is. Lines end
 * at LF, which is the same byte in both. Shared by the relay's header reader and the IMAP
 * reader's parser, each with its own reading of a legacy line.
 */
export function utf8HeaderBlock(block: Buffer, legacy: (line: Buffer) => string): Buffer {
  if (isUtf8(block)) return block;
  const lines: Buffer[] = [];
  let start = 0;
  while (start < block.length) {
    const lf = block.indexOf(0x0a, start);
    const end = lf < 0 ? block.length : lf + 1;
    const line = block.subarray(start, end);
    lines.push(isUtf8(line) ? line : Buffer.from(legacy(line), 'utf8'));
    start = end;
  }
  return Buffer.concat(lines);
}
