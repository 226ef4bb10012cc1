// Client certificates (mutual TLS) as an authentication method. The TLS layer verifies the chain
// against the configured client CAs (gateway.tls.clientCa); this maps a verified certificate to a
// principal: its subject CN or its SHA-256 fingerprint is the id, and a table keyed by fingerprint
// gives roles, scopes and tenant (and can restrict the method to the listed certificates).
import type { Socket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Principal } from '../core/index.js';
import type { AuthFailure, AuthResult } from './types.js';

export interface MtlsMapping {
  readonly id?: string;
  readonly roles?: readonly string[];
  readonly scopes?: readonly string[];
  readonly tenant?: string;
}

export interface MtlsOptions {
  /** What the principal id is: the subject's common name, or the certificate's SHA-256 fingerprint. */
  readonly principal: 'subject' | 'fingerprint';
  /** SHA-256 fingerprint (hex, with or without colons, any case) → what the certificate's holder is. */
  readonly mapping?: Readonly<Record<string, MtlsMapping>>;
  /** Accept only certificates listed in `mapping` (pinning on top of the CA). */
  readonly requireMapping?: boolean;
}

/** Fingerprints compared as lower-case hex without separators. */
export function normaliseFingerprint(fp: string): string {
  return fp.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
}

const EMPTY: readonly string[] = Object.freeze([]);

export class MtlsVerifier {
  private readonly mapping = new Map<string, MtlsMapping>();
  private readonly requireMapping: boolean;
  // A connection's certificate does not change, and keep-alive connections carry many requests.
  private readonly perSocket = new WeakMap<object, AuthResult | null>();

  constructor(private readonly opts: MtlsOptions) {
    for (const [fp, m] of Object.entries(opts.mapping ?? {})) {
      const n = normaliseFingerprint(fp);
      if (n.length !== 64) throw new TypeError(`"${fp}" is not a SHA-256 fingerprint (64 hex digits)`);
      this.mapping.set(n, m);
    }
    this.requireMapping = opts.requireMapping ?? false;
  }

  /**
   * The principal of the connection's client certificate; a failure when one was presented and
   * refused; undefined when the connection carries none (plain HTTP, or no certificate sent).
   */
  identify(socket: Socket | undefined): AuthResult | undefined {
    if (!socket) return undefined;
    const cached = this.perSocket.get(socket);
    if (cached !== undefined) return cached ?? undefined;
    const result = this.judge(socket);
    this.perSocket.set(socket, result ?? null);
    return result;
  }

  private judge(socket: Socket): AuthResult | undefined {
    const tls = socket as Partial<TLSSocket>;
    if (typeof tls.getPeerCertificate !== 'function') return undefined;
    const cert: PeerCertificate | Record<string, never> = tls.getPeerCertificate();
    if (!cert || Object.keys(cert).length === 0) return undefined;
    if (tls.authorized !== true) {
      const code = String(tls.authorizationError ?? 'unverified');
      const reason: AuthFailure = code === 'CERT_HAS_EXPIRED' ? 'expired' : code === 'CERT_NOT_YET_VALID' ? 'not-yet-valid' : 'unknown';
      return { ok: false, reason, detail: code };
    }
    const fingerprint = normaliseFingerprint((cert as PeerCertificate).fingerprint256 ?? '');
    const mapped = this.mapping.get(fingerprint);
    if (this.requireMapping && !mapped) return { ok: false, reason: 'unknown', detail: 'certificate not in mtls.mapping' };
    const cn = (cert as PeerCertificate).subject?.CN;
    const subject = Array.isArray(cn) ? cn[0] : cn;
    const id = mapped?.id ?? (this.opts.principal === 'subject' ? subject : fingerprint);
    if (id === undefined || id === '') return { ok: false, reason: 'missing-claim', detail: 'subject CN' };
    const principal: Principal = {
      id,
      method: 'mtls',
      roles: mapped?.roles ? Object.freeze([...mapped.roles]) : EMPTY,
      scopes: mapped?.scopes ? Object.freeze([...mapped.scopes]) : EMPTY,
      ...(mapped?.tenant !== undefined ? { tenant: mapped.tenant } : {}),
      claims: Object.freeze({ fingerprint, ...(subject !== undefined ? { subject } : {}) }),
    };
    return Object.freeze({ ok: true, principal: Object.freeze(principal) });
  }
}
