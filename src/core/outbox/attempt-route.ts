/**
 * Where one part of an attempt went: with direct delivery, each recipient domain is its own
 * SMTP transaction to its own exchanger, so the attempt records, per domain, which exchanger
 * answered (or why none did), the TLS that was negotiated and the policy that required it.
 */
export interface NegotiatedTls {
  /** "TLSv1.3" … */
  protocol: string;
  cipher: string;
  /** The certificate chained to a trusted CA and named the exchanger. */
  verified: boolean;
}

export interface AttemptRoute {
  domain: string;
  recipients: string[];
  /** The exchanger that answered (its host name), or null when none could be reached. */
  exchanger: string | null;
  /** The address connected to. */
  address: string | null;
  port: number;
  /** null: the session stayed in plain text (the exchanger offered no STARTTLS). */
  tls: NegotiatedTls | null;
  /** What required TLS for this domain: an MTA-STS policy in enforce mode, the admin's policy, or nothing (opportunistic). */
  tlsPolicy: 'mta-sts' | 'required' | 'opportunistic';
  /** The final reply, or why the domain could not be delivered to. */
  response: string | null;
  /** Exchangers tried before the answering one, each with why it was passed over. */
  skipped: string[];
}
