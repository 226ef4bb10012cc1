// Sensitive-data classes. A regular expression only proposes a candidate; a validator decides
// (Luhn and issuer ranges for cards, mod-97 for IBANs, libphonenumber's metadata for phone
// numbers, area/group/serial rules for SSNs, a decodable header for JWTs...), so order numbers
// and timestamps are not reported as cards or phones. User-defined classes run their patterns
// with RE2 (the `re2` binding), which is linear in the input whatever the pattern.
import RE2 from 're2';
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import { isIP } from 'node:net';
import { entropy } from './tokens.js';

export type SensitiveClass =
  | 'email'
  | 'phone'
  | 'payment-card'
  | 'iban'
  | 'us-ssn'
  | 'jwt'
  | 'aws-access-key'
  | 'github-token'
  | 'slack-token'
  | 'stripe-secret-key'
  | 'google-api-key'
  | 'palisade-api-key'
  | 'secret'
  | 'password-hash'
  | 'private-key'
  | 'ip-address'
  | `custom:${string}`;

/** Values longer than this are not classified (bodies are bounded samples anyway). */
export const MAX_VALUE_CHARS = 8192;

// ------------------------------------------------------------------------ validators

/** Luhn checksum over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** Issuer ranges (IIN) and the lengths each issues. */
const CARD_ISSUERS: ReadonlyArray<{ name: string; test: (d: string) => boolean; lengths: readonly number[] }> = [
  { name: 'visa', test: (d) => d[0] === '4', lengths: [13, 16, 19] },
  {
    name: 'mastercard',
    test: (d) => {
      const two = Number(d.slice(0, 2));
      const four = Number(d.slice(0, 4));
      return (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720);
    },
    lengths: [16],
  },
  { name: 'amex', test: (d) => d.startsWith('34') || d.startsWith('37'), lengths: [15] },
  {
    name: 'discover',
    test: (d) => d.startsWith('6011') || d.startsWith('65') || (Number(d.slice(0, 3)) >= 644 && Number(d.slice(0, 3)) <= 649),
    lengths: [16, 19],
  },
  { name: 'jcb', test: (d) => Number(d.slice(0, 4)) >= 3528 && Number(d.slice(0, 4)) <= 3589, lengths: [16, 17, 18, 19] },
  { name: 'diners', test: (d) => /^3(0[0-5]|[689])/.test(d), lengths: [14, 16, 19] },
  { name: 'unionpay', test: (d) => d.startsWith('62'), lengths: [16, 17, 18, 19] },
  { name: 'maestro', test: (d) => /^(5018|5020|5038|5893|6304|6759|676[1-3])/.test(d), lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
];

/** A payment card number (spaces or dashes allowed): known issuer, a length it issues, valid Luhn. */
export function isPaymentCard(s: string): boolean {
  if (s.length < 12 || s.length > 23) return false;
  const d = s.replace(/[ -]/g, '');
  if (!/^\d{12,19}$/.test(d)) return false;
  // All one digit passes Luhn for some lengths and is never a real card.
  if (/^(\d)\1+$/.test(d)) return false;
  const issuer = CARD_ISSUERS.find((i) => i.test(d));
  return issuer !== undefined && issuer.lengths.includes(d.length) && luhn(d);
}

/** IBAN lengths by country (ISO 13616 registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18,
  GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32,
  LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28,
  TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** An IBAN: a registered country, its length, and the ISO 7064 mod-97 check. */
export function isIban(s: string): boolean {
  if (s.length < 15 || s.length > 42) return false;
  const v = s.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(v)) return false;
  const len = IBAN_LENGTHS[v.slice(0, 2)];
  if (len === undefined || len !== v.length) return false;
  const r = v.slice(4) + v.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    const n = c >= 65 ? c - 55 : c - 48;
    rem = n >= 10 ? (rem * 100 + n) % 97 : (rem * 10 + n) % 97;
  }
  return rem === 1;
}

/** A US Social Security number, AAA-GG-SSSS: area not 000, 666 or 9xx; group not 00; serial not 0000. */
export function isUsSsn(s: string): boolean {
  const m = /^(\d{3})-(\d{2})-(\d{4})$/.exec(s);
  if (!m) return false;
  const [area, group, serial] = [m[1]!, m[2]!, m[3]!];
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (group === '00' || serial === '0000') return false;
  // Numbers the SSA published or retired as examples.
  if (s === '078-05-1120' || s === '219-09-9999') return false;
  return true;
}

function b64urlJson(part: string): Record<string, unknown> | undefined {
  if (part.length === 0 || part.length > 4096 || !/^[A-Za-z0-9_-]+={0,2}$/.test(part)) return undefined;
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A JWS compact token whose header decodes to JSON with an `alg`. Returns the alg. */
export function jwtAlg(s: string): string | undefined {
  if (s.length < 10 || s.length > 16384 || !s.startsWith('eyJ')) return undefined;
  const parts = s.split('.');
  if (parts.length !== 3 && parts.length !== 5) return undefined;
  const h = b64urlJson(parts[0]!);
  return h && typeof h.alg === 'string' ? h.alg : undefined;
}

export function isEmail(s: string): boolean {
  if (s.length < 6 || s.length > 254) return false;
  const at = s.indexOf('@');
  if (at < 1 || at !== s.lastIndexOf('@') || at > 64) return false;
  return /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}$/.test(s);
}

/**
 * A phone number: international (+...) numbers are checked against libphonenumber's metadata;
 * national ones only when the field's name says phone, and then read as US numbers by default.
 */
export function isPhone(s: string, keyHint = false, defaultCountry: 'US' | 'GB' | 'DE' | 'FR' = 'US'): boolean {
  if (s.length < 7 || s.length > 24) return false;
  if (!/^\+?[\d\s().-]{7,24}$/.test(s)) return false;
  const digits = s.replace(/\D/g, '').length;
  if (digits < 7 || digits > 15) return false;
  try {
    if (s.startsWith('+')) return isValidPhoneNumber(s);
    return keyHint && isValidPhoneNumber(s, defaultCountry);
  } catch {
    return false;
  }
}

const PASSWORD_KEY = /^pass(word|wd)?(_?hash)?$|password/i;

/** bcrypt, argon2, scrypt, PBKDF2 (Django/passlib) or unsalted hex SHA-256 in a password field. */
export function isPasswordHash(s: string, key: string): boolean {
  if (/^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/.test(s)) return true;
  if (/^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.test(s)) return true;
  if (/^\$scrypt\$|^scrypt:\d+:\d+:\d+\$|^\$7\$/.test(s)) return true;
  if (/^pbkdf2_sha(1|256|512)\$\d+\$/.test(s) || /^\$pbkdf2(-sha(1|256|512))?\$\d+\$/.test(s)) return true;
  if (PASSWORD_KEY.test(key) && /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$/i.test(s)) return true;
  return false;
}

const SECRET_KEY = /secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|client[-_]?secret|credential/i;

interface ProviderKey {
  cls: SensitiveClass;
  re: RegExp;
}

const PROVIDER_KEYS: readonly ProviderKey[] = [
  { cls: 'aws-access-key', re: /^(AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}$/ },
  { cls: 'github-token', re: /^(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})$/ },
  { cls: 'slack-token', re: /^xox[abposr]-[A-Za-z0-9-]{10,250}$/ },
  { cls: 'stripe-secret-key', re: /^(sk|rk)_(live|test)_[A-Za-z0-9]{16,247}$/ },
  { cls: 'google-api-key', re: /^AIza[0-9A-Za-z_-]{35}$/ },
  { cls: 'palisade-api-key', re: /^pal_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}$/ },
];

// ------------------------------------------------------------------------ user classes

export interface CustomClassSpec {
  name: string;
  /** RE2 syntax, matched against the field or parameter name. */
  keyPattern?: string;
  /** RE2 syntax, matched against the value. */
  valuePattern?: string;
}

interface CompiledCustom {
  cls: SensitiveClass;
  key: RE2 | undefined;
  value: RE2 | undefined;
}

export function compileCustomClasses(specs: readonly CustomClassSpec[]): CompiledCustom[] {
  return specs.map((s, i) => {
    if (!s.keyPattern && !s.valuePattern) throw new TypeError(`sensitive class #${i + 1} (${s.name}) needs keyPattern or valuePattern`);
    const compile = (p: string | undefined, what: string): RE2 | undefined => {
      if (p === undefined) return undefined;
      try {
        return new RE2(p, 'u');
      } catch (e) {
        throw new TypeError(`sensitive class ${s.name}: ${what} ${JSON.stringify(p)} is not valid RE2 syntax: ${(e as Error).message}`);
      }
    };
    return { cls: `custom:${s.name}`, key: compile(s.keyPattern, 'keyPattern'), value: compile(s.valuePattern, 'valuePattern') };
  });
}

// ------------------------------------------------------------------------ the classifier

export class SensitiveClassifier {
  private readonly custom: CompiledCustom[];

  constructor(custom: readonly CustomClassSpec[] = []) {
    this.custom = compileCustomClasses(custom);
  }

  /**
   * The class of one value seen under a field or parameter name, or undefined. Cheap rejections
   * first: most values are short words or numbers and leave after one or two character tests.
   */
  classify(key: string, value: unknown): SensitiveClass | undefined {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= 1e11) {
        const s = String(value);
        if (isPaymentCard(s)) return 'payment-card';
      }
      return this.customOf(key, String(value));
    }
    if (typeof value !== 'string') return undefined;
    const s = value.length > MAX_VALUE_CHARS ? value.slice(0, MAX_VALUE_CHARS) : value;
    const found = this.builtIn(key, s);
    return found ?? this.customOf(key, s);
  }

  private customOf(key: string, s: string): SensitiveClass | undefined {
    for (const c of this.custom) {
      if (c.key && !c.key.test(key)) continue;
      if (c.value && !c.value.test(s)) continue;
      return c.cls;
    }
    return undefined;
  }

  private builtIn(key: string, s: string): SensitiveClass | undefined {
    const n = s.length;
    if (n < 6) return undefined;
    const c0 = s.charCodeAt(0);
    if (s.includes('-----BEGIN') && /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/.test(s)) return 'private-key';
    if (c0 === 36 /* $ */ || PASSWORD_KEY.test(key)) {
      if (isPasswordHash(s, key)) return 'password-hash';
    }
    if (s.includes('@') && isEmail(s)) return 'email';
    if (c0 === 101 /* e */ && jwtAlg(s) !== undefined) return 'jwt';
    for (const p of PROVIDER_KEYS) if (p.re.test(s)) return p.cls;
    const digitsLike = (c0 >= 48 && c0 <= 57) || c0 === 43 /* + */ || c0 === 40; /* ( */
    if (digitsLike) {
      if (n === 11 && isUsSsn(s)) return 'us-ssn';
      if (isPaymentCard(s)) return 'payment-card';
      const phoneKey = /phone|mobile|msisdn|tel(ephone)?$|fax/i.test(key);
      if (isPhone(s, phoneKey)) return 'phone';
      if (n <= 45 && isIP(s) !== 0) return isIpWorthReporting(s) ? 'ip-address' : undefined;
    }
    if (c0 >= 65 && c0 <= 90 && n >= 15 && isIban(s)) return 'iban';
    if (n <= 45 && s.includes(':') && isIP(s) === 6) return 'ip-address';
    if (n >= 16 && SECRET_KEY.test(key) && !s.startsWith('[redacted') && looksSecret(s)) return 'secret';
    return undefined;
  }
}

function isIpWorthReporting(s: string): boolean {
  // Version strings (1.2.3.4 as a build number) are IPs too; only ones with a plausible first octet count.
  return !s.startsWith('0.');
}

/** A random-looking credential: long, no spaces, high entropy. */
function looksSecret(s: string): boolean {
  if (s.length > 512 || /\s/.test(s)) return false;
  return entropy(s) >= 3.5;
}

/** Which classes are secrets (rather than personal data): worse to leak, never to be logged. */
export function isSecretClass(c: SensitiveClass): boolean {
  return (
    c === 'jwt' ||
    c === 'aws-access-key' ||
    c === 'github-token' ||
    c === 'slack-token' ||
    c === 'stripe-secret-key' ||
    c === 'google-api-key' ||
    c === 'palisade-api-key' ||
    c === 'secret' ||
    c === 'password-hash' ||
    c === 'private-key'
  );
}
