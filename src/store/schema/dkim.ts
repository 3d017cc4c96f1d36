import type { Millis } from './foundation.js';

export interface DkimKeysTable {
  /** Lower-case ASCII (punycode) sender domain. */
  domain: string;
  selector: string;
  private_key_secret_id: string;
  /** Base64 SubjectPublicKeyInfo DER: the p= value of the DNS record. */
  public_key: string;
  key_bits: number;
  /** "generated" or "imported". */
  source: string;
  created_at: Millis;
  updated_at: Millis;
  version: number;
}

export interface DkimTables {
  dkim_keys: DkimKeysTable;
}
