// The built-in authorization server as a running service: its own HTTP listener, the sign-in,
// second-factor and consent pages (oidc-provider "interactions"), oidc-provider for every protocol
// endpoint, and background work (picking up rotated keys, deleting expired records).
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import { PalisadeError } from '../../core/index.js';
import type { Store } from '../../core/index.js';
import { OAuthClients } from './clients.js';
import { DemoPages } from './demo.js';
import type { DemoInfo } from './demo.js';
import { clientIp, crossSite, readForm, redirect, sendPage } from './http-util.js';
import { buildProvider, loadOidcProvider } from './provider.js';
import type { OAuthSettings, OidcModule } from './provider.js';
import { Sealer } from './seal.js';
import type { ScryptParams } from './secrets.js';
import { ensureKeySet, loadKeySet, rotateKeys } from './signing-keys.js';
import type { KeySet, RotationResult } from './signing-keys.js';
import { LoginThrottle } from './throttle.js';
import { normaliseUsername, OAuthUsers } from './users.js';
import { consentPage, loginPage, messagePage, totpPage } from './views.js';

export interface AuthorizationServerOptions {
  settings: OAuthSettings;
  store: Store;
  logger: Logger;
  /** The master secret (resolveMasterSecret). */
  encryptionSecret: string;
  /** Serve the demo pages (/demo) and seed the demo clients and users. */
  demo?: boolean;
  /** For tests: cheaper password hashing, a clock for throttling. */
  scrypt?: ScryptParams;
  now?: () => number;
}

/** A sign-in whose password was right and which now waits for a TOTP code, keyed by interaction uid. */
const SECOND_FACTOR = 'PalisadeSecondFactor';
const SECOND_FACTOR_SECONDS = 300;
const PURGE_INTERVAL_MS = 10 * 60 * 1000;
const UID = /^[A-Za-z0-9_-]{1,64}$/;

interface PendingSecondFactor {
  accountId: string;
  username: string;
}

export class AuthorizationServer {
  readonly users: OAuthUsers;
  readonly clients: OAuthClients;
  /** Set once listening. */
  url = '';
  issuer = '';
  demo: DemoInfo | undefined;

  private readonly sealer: Sealer;
  private readonly throttle: LoginThrottle;
  private readonly log: Logger;
  private server: http.Server | undefined;
  private oidc: OidcModule | undefined;
  private provider: Provider | undefined;
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  private keys: KeySet | undefined;
  private demoPages: DemoPages | undefined;
  private timers: NodeJS.Timeout[] = [];

  private constructor(private readonly opts: AuthorizationServerOptions) {
    this.log = opts.logger.child({ component: 'oauth' });
    this.sealer = new Sealer(opts.encryptionSecret);
    const s = opts.settings;
    this.users = new OAuthUsers(opts.store, this.sealer, {
      passwordMinLength: s.passwordMinLength,
      totpLabel: s.totp.label,
      totpRequiredForRoles: s.totp.requiredForRoles,
      ...(opts.scrypt ? { scrypt: opts.scrypt } : {}),
    });
    this.clients = new OAuthClients(opts.store, new Set(s.resources.flatMap((r) => r.scopes)));
    this.throttle = new LoginThrottle(s.throttle, opts.now);
  }

  /** Opens the keys (creating them on first start), listens, and builds the provider for the issuer. */
  static async start(opts: AuthorizationServerOptions): Promise<AuthorizationServer> {
    const s = new AuthorizationServer(opts);
    try {
      await s.listen();
    } catch (err) {
      await s.close();
      throw err;
    }
    return s;
  }

  private async listen(): Promise<void> {
    const { settings } = this.opts;
    this.oidc = await loadOidcProvider(this.log);
    this.keys = await ensureKeySet(this.opts.store, this.sealer);
    const server = http.createServer({ requestTimeout: 30_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.error({ err: (err as Error).message }, 'authorization server request failed');
        if (!res.headersSent) sendPage(res, 500, messagePage('Something went wrong', 'The request could not be completed. Try again later.'));
        else res.destroy();
      });
    });
    this.server = server;
    const { host, port } = settings.listen;
    const bound = await new Promise<number>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new PalisadeError('PALISADE_ERR_LISTEN', `authorization server cannot listen on ${host}:${port}: ${err.code ?? err.message}`, [], { cause: err })),
      );
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
    const h = host.includes(':') ? `[${host}]` : host;
    this.url = `http://${h}:${bound}`;
    this.issuer = (settings.issuer ?? this.url).replace(/\/+$/, '');
    this.rebuild();
    if (this.opts.demo) {
      this.demoPages = new DemoPages(this.issuer, settings);
      this.demo = await this.demoPages.seed(this.users, this.clients);
    }
    const reload = setInterval(() => void this.reloadKeys().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'could not reload signing keys')), settings.keyReloadSeconds * 1000);
    const purge = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    this.timers = [reload, purge];
    for (const t of this.timers) t.unref();
    void this.purge();
  }

  private rebuild(): void {
    if (!this.keys || !this.oidc) throw new Error('not started');
    this.provider = buildProvider(this.oidc, { issuer: this.issuer, settings: this.opts.settings, store: this.opts.store, keys: this.keys, sealer: this.sealer, users: this.users, log: this.log });
    this.handler = this.provider.callback();
  }

  private async purge(): Promise<void> {
    try {
      const n = await this.opts.store.oauth.purgeExpiredModels();
      if (n > 0) this.log.debug({ deleted: n }, 'expired authorization-server records deleted');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not delete expired authorization-server records');
    }
  }

  /** Picks up keys rotated elsewhere (the CLI, another instance); true when they changed. */
  async reloadKeys(): Promise<boolean> {
    await this.opts.store.oauth.purgeExpiredSigningKeys();
    const keys = (await loadKeySet(this.opts.store, this.sealer)) ?? (await ensureKeySet(this.opts.store, this.sealer));
    if (keys.fingerprint === this.keys?.fingerprint) return false;
    this.keys = keys;
    this.rebuild();
    this.log.info({ signing: keys.active }, 'signing keys changed');
    return true;
  }

  /** Adds new signing keys, keeps the previous ones published for the grace period, and uses the new ones at once. */
  async rotateKeys(opts: { reset?: boolean } = {}): Promise<RotationResult> {
    const r = await rotateKeys(this.opts.store, this.sealer, this.opts.settings.keyRotationGraceSeconds, opts);
    await this.reloadKeys();
    return r;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/interaction/')) return this.interaction(req, res, path);
    if (this.demoPages && (path === '/demo' || path.startsWith('/demo/'))) return this.demoPages.handle(req, res, path);
    this.handler?.(req, res);
  }

  // ---- interactions: sign in, second factor, consent ----

  private async interaction(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const [, , uid, action, ...rest] = path.split('/');
    const method = req.method ?? 'GET';
    if (!uid || !UID.test(uid) || rest.length > 0) return sendPage(res, 404, messagePage('Not found', 'There is no such page.'));
    if (method === 'POST' && crossSite(req, new URL(this.issuer).origin)) {
      return sendPage(res, 403, messagePage('Request refused', 'This form can only be sent from the sign-in page itself.'));
    }
    const provider = this.provider!;
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (err) {
      const { errors } = this.oidc!;
      if (err instanceof errors.SessionNotFound || err instanceof errors.InvalidRequest) {
        return sendPage(res, 400, messagePage('Sign-in expired', 'This sign-in page has expired or was opened in another browser.', 'Go back to the application and start again.'));
      }
      throw err;
    }
    if (details.uid !== uid) return sendPage(res, 400, messagePage('Sign-in expired', 'This sign-in page does not belong to this browser session.'));
    const clientId = String(details.params['client_id'] ?? '');
    const client = await provider.Client.find(clientId);
    const clientName = client?.clientName ?? clientId;
    const base = `/interaction/${uid}`;
    const pageOpts = { abort: `${base}/abort`, clientName };

    if (method === 'GET' && action === undefined) {
      if (details.prompt.name === 'login') {
        const pending = await this.pending(uid);
        return sendPage(res, 200, pending ? totpPage({ action: `${base}/totp`, ...pageOpts }) : loginPage({ action: `${base}/login`, ...pageOpts }));
      }
      if (details.prompt.name === 'consent') return this.showConsent(res, details, base, clientName);
      return sendPage(res, 400, messagePage('Sign-in could not continue', `Unexpected step ${details.prompt.name}.`));
    }
    if (method !== 'POST') return sendPage(res, 405, messagePage('Not allowed', 'Use the form on the page.'), { allow: 'GET' });

    if (action === 'abort') {
      await this.opts.store.oauth.destroyModel(SECOND_FACTOR, uid);
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in or denied access.' }, { mergeWithLastSubmission: false });
    }
    const form = await readForm(req);
    if (!form) return sendPage(res, 400, messagePage('Bad request', 'The form could not be read.'));
    if (action === 'login' && details.prompt.name === 'login') return this.login(req, res, uid, form, pageOpts);
    if (action === 'totp' && details.prompt.name === 'login') return this.secondFactor(req, res, uid, form, pageOpts);
    if (action === 'confirm' && details.prompt.name === 'consent') return this.consent(req, res, details);
    return redirect(res, base);
  }

  private async pending(uid: string): Promise<PendingSecondFactor | undefined> {
    const r = await this.opts.store.oauth.findModel(SECOND_FACTOR, uid);
    return r ? (JSON.parse(r.payload) as PendingSecondFactor) : undefined;
  }

  private locked(res: ServerResponse, retryAfterSeconds: number, page: (error: string) => string): void {
    const minutes = Math.ceil(retryAfterSeconds / 60);
    sendPage(res, 429, page(`Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`), { 'retry-after': String(retryAfterSeconds) });
  }

  private async login(req: IncomingMessage, res: ServerResponse, uid: string, form: URLSearchParams, pageOpts: { abort: string; clientName: string }): Promise<void> {
    const username = normaliseUsername(form.get('username') ?? '').slice(0, 254);
    const password = form.get('password') ?? '';
    const ip = clientIp(req, this.opts.settings.trustProxy);
    const again = (error: string) => loginPage({ action: `/interaction/${uid}/login`, ...pageOpts, username, error });
    const verdict = this.throttle.check(username, ip);
    if (!verdict.allowed) {
      this.log.warn({ scope: verdict.scope, ip }, 'sign-in refused: locked out');
      return this.locked(res, verdict.retryAfterSeconds, again);
    }
    const r = await this.users.checkCredentials(username, password);
    if (!r.ok && r.reason === 'totp-enrolment-required') {
      return sendPage(res, 403, again('Your account must use a second factor (TOTP), which is not set up yet. Ask an administrator to enable it.'));
    }
    if (!r.ok) {
      this.throttle.failure(username, ip);
      this.log.info({ ip }, 'sign-in failed');
      return sendPage(res, 401, again('Wrong username or password.'));
    }
    if (r.needsTotp) {
      const payload: PendingSecondFactor = { accountId: r.user.id, username };
      await this.opts.store.oauth.upsertModel({ model: SECOND_FACTOR, id: uid, payload: JSON.stringify(payload), expiresAt: Date.now() + SECOND_FACTOR_SECONDS * 1000 });
      return redirect(res, `/interaction/${uid}`);
    }
    this.throttle.success(username);
    this.log.info({ accountId: r.user.id }, 'signed in');
    await this.provider!.interactionFinished(req, res, { login: { accountId: r.user.id, amr: ['pwd'] } }, { mergeWithLastSubmission: false });
  }

  private async secondFactor(req: IncomingMessage, res: ServerResponse, uid: string, form: URLSearchParams, pageOpts: { abort: string; clientName: string }): Promise<void> {
    const pending = await this.pending(uid);
    if (!pending) return redirect(res, `/interaction/${uid}`);
    const ip = clientIp(req, this.opts.settings.trustProxy);
    const again = (error: string) => totpPage({ action: `/interaction/${uid}/totp`, ...pageOpts, error });
    const verdict = this.throttle.check(pending.username, ip);
    if (!verdict.allowed) return this.locked(res, verdict.retryAfterSeconds, again);
    if (!(await this.users.checkTotp(pending.accountId, form.get('code') ?? ''))) {
      this.throttle.failure(pending.username, ip);
      this.log.info({ ip, accountId: pending.accountId }, 'second factor failed');
      return sendPage(res, 401, again('That code is not valid. Codes change every 30 seconds and can be used once.'));
    }
    await this.opts.store.oauth.destroyModel(SECOND_FACTOR, uid);
    this.throttle.success(pending.username);
    this.log.info({ accountId: pending.accountId }, 'signed in with a second factor');
    await this.provider!.interactionFinished(req, res, { login: { accountId: pending.accountId, amr: ['pwd', 'otp'] } }, { mergeWithLastSubmission: false });
  }

  private async showConsent(res: ServerResponse, details: Awaited<ReturnType<Provider['interactionDetails']>>, base: string, clientName: string): Promise<void> {
    const d = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    const user = details.session ? await this.users.get(details.session.accountId) : undefined;
    return sendPage(
      res,
      200,
      consentPage({
        action: `${base}/confirm`,
        abort: `${base}/abort`,
        clientName,
        username: user?.username ?? details.session?.accountId ?? '',
        oidcScopes: d.missingOIDCScope ?? [],
        resources: Object.entries(d.missingResourceScopes ?? {}).map(([indicator, scopes]) => ({ indicator, scopes })),
      }),
    );
  }

  private async consent(req: IncomingMessage, res: ServerResponse, details: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<void> {
    const provider = this.provider!;
    const accountId = details.session?.accountId;
    if (!accountId) return redirect(res, `/interaction/${details.uid}`);
    const d = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId, clientId: String(details.params['client_id']) });
    if (d.missingOIDCScope?.length) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims?.length) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    this.log.info({ accountId, clientId: details.params['client_id'] }, 'access granted');
    await provider.interactionFinished(req, res, { consent: existing ? {} : { grantId } }, { mergeWithLastSubmission: true });
  }
}
