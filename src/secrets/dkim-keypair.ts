import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { DkimKeyTool } from '../core/senders/dkim.js';
import { invalid } from '../core/kernel/errors.js';

function publicBase64(key: KeyObject): string {
  return createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** RSA keys for DKIM (rsa-sha256 is what every receiver verifies; nodemailer signs with it). */
export const dkimKeyTool: DkimKeyTool = {
  generate(bits) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
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
    return { privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicBase64(key), bits };
  },
};
