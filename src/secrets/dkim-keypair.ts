import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { DkimKeyTool } from '../core/senders/dkim.js';
import { invalid } from '../core/kernel/errors.js';

const generateRsa = promisify(generateKeyPair);

/** RFC 8301 §3.2: verifiers must handle keys of 1024 to 4096 bits; a larger one may not verify anywhere. */
export const MAX_DKIM_KEY_BITS = 4096;

function publicBase64(key: KeyObject): string {
  return createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** RSA keys for DKIM (rsa-sha256 is what every receiver verifies; nodemailer signs with it). */
export const dkimKeyTool: DkimKeyTool = {
  async generate(bits) {
    // On the thread pool: generateKeyPairSync held the event loop 0.5-1.1 s for a 4096-bit key.
    const { privateKey } = await generateRsa('rsa', { modulusLength: bits });
    return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicBase64(privateKey), bits };
  },
  inspect(pem) {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      throw invalid('privateKey', 'is not a PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----), or it is encrypted');
    }
    if (key.asymmetricKeyType !== 'rsa') throw invalid('privateKey', `must be an RSA key; got ${key.asymmetricKeyType ?? 'an unknown type'}`);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 1024) throw invalid('privateKey', `is ${bits} bits; receivers ignore DKIM keys under 1024 bits (use 2048)`);
    if (bits > MAX_DKIM_KEY_BITS) {
      throw invalid('privateKey', `is ${bits} bits; DKIM verifiers need handle keys only up to ${MAX_DKIM_KEY_BITS} bits (RFC 8301), so a larger one may fail to verify at receivers: import a key of 1024 to ${MAX_DKIM_KEY_BITS} bits (2048 is usual)`);
    }
    return { privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicBase64(key), bits };
  },
};
