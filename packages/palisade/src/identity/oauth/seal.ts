// Secrets the authorization server must read back (private signing keys, TOTP secrets) are sealed
// before they reach the store: AES-256-GCM under a key derived from the master secret, which lives
// outside the database (environment variable, configuration, or a 0600 file). A copy of the
// database alone — a backup, a leaked dump — then reveals neither.
//
// Every purpose gets its own key (HKDF-SHA256 with the purpose as info), and every sealed value is
// bound to the row it belongs to through the GCM additional data, so a ciphertext copied to another
// row (another user's TOTP secret, another key id) does not open.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { PalisadeError } from '../../core/index.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT = 'palisade.oauth.v1';

export type SealPurpose = 'signing-key' | 'totp';

export class Sealer {
  private readonly keys = new Map<string, Buffer>();

  /** `secret` is the master secret (at least 32 characters, random). */
  constructor(private readonly secret: string) {
    if (typeof secret !== 'string' || secret.length < 32) {
      throw new PalisadeError('PALISADE_ERR_OAUTH_SECRET', 'The authorization server\'s encryption secret must be at least 32 characters.');
    }
  }

  /** A 32-byte key for `purpose`, derived from the master secret. */
  derive(purpose: string): Buffer {
    let k = this.keys.get(purpose);
    if (!k) {
      k = Buffer.from(hkdfSync('sha256', Buffer.from(this.secret, 'utf8'), SALT, purpose, 32));
      this.keys.set(purpose, k);
    }
    return k;
  }

  seal(purpose: SealPurpose, boundTo: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.derive(`seal:${purpose}`), iv);
    cipher.setAAD(Buffer.from(`${purpose}\0${boundTo}`, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** Throws PALISADE_ERR_OAUTH_SECRET when the value was sealed with another secret, for another row, or altered. */
  open(purpose: SealPurpose, boundTo: string, sealed: string): string {
    const parts = sealed.split('.');
    try {
      if (parts.length !== 3 || parts[0] !== VERSION) throw new Error('not a sealed value');
      const iv = Buffer.from(parts[1]!, 'base64url');
      const body = Buffer.from(parts[2]!, 'base64url');
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new Error('truncated');
      const decipher = createDecipheriv('aes-256-gcm', this.derive(`seal:${purpose}`), iv);
      decipher.setAAD(Buffer.from(`${purpose}\0${boundTo}`, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (e) {
      throw new PalisadeError(
        'PALISADE_ERR_OAUTH_SECRET',
        `A sealed ${purpose} in the store (${boundTo}) cannot be opened with the configured encryption secret: it was sealed with another secret or altered.`,
        [],
        { cause: e },
      );
    }
  }

  /** Keys for oidc-provider's signed cookies (Keygrip): derived, so every instance agrees without storing them. */
  cookieKeys(): string[] {
    return [this.derive('cookies').toString('base64url')];
  }
}
