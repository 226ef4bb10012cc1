// The pages people see at the authorization server: sign in, second factor, consent, errors, and
// the demo's start and callback pages. Plain server-rendered HTML forms that work without
// JavaScript, with labels and autocomplete hints for password managers and screen readers. Every
// value is escaped where it is interpolated; the one inline style is allowed by its hash in the
// Content-Security-Policy, and nothing else (no script, no external resource) may load.
import { createHash } from 'node:crypto';

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5}
body{margin:0;padding:2rem 1rem;background:Canvas;color:CanvasText}
main{max-width:28rem;margin:0 auto}
main.wide{max-width:52rem}
h1{font-size:1.5rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid GrayText;border-radius:.25rem}
button{font:inherit;padding:.5rem 1rem;margin:1rem .5rem 0 0;border-radius:.25rem;border:1px solid GrayText;cursor:pointer}
button.primary{background:#1a56db;color:#fff;border-color:#1a56db}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.error{border-left:4px solid #c81e1e;padding:.5rem 1rem;background:rgba(200,30,30,.1)}
.note{color:GrayText;font-size:.9rem}
pre{white-space:pre-wrap;word-break:break-all;background:rgba(127,127,127,.15);padding:1rem;border-radius:.25rem}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
ul.scopes li{margin:.25rem 0}
`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** Headers for every page: no script, no framing (clickjacking on the consent page), no caching, no referrer. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; style-src ${STYLE_HASH}; img-src 'self'; base-uri 'none'; frame-ancestors 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
});

/** A trusted fragment: already escaped or built from escaped parts. */
export class Html {
  constructor(readonly text: string) {}
}

/** Template tag: interpolated values are escaped unless they are Html. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    if (v instanceof Html) out += v.text;
    else if (Array.isArray(v)) out += v.map((x) => (x instanceof Html ? x.text : escapeHtml(x))).join('');
    else if (v !== undefined && v !== null && v !== false) out += escapeHtml(v);
    out += strings[i + 1] ?? '';
  });
  return new Html(out);
}

export function page(title: string, body: Html, opts: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main${opts.wide ? ' class="wide"' : ''}>
${body.text}
</main>
</body>
</html>
`;
}

function errorBox(message: string | undefined): Html {
  return message ? html`<p class="error" role="alert" id="form-error">${message}</p>` : new Html('');
}

export function loginPage(o: { action: string; abort: string; clientName: string; username?: string; error?: string }): string {
  const describedBy = o.error ? ' aria-describedby="form-error"' : '';
  return page(
    'Sign in',
    html`<h1>Sign in</h1>
<p>to continue to <strong>${o.clientName}</strong></p>
${errorBox(o.error)}
<form method="post" action="${o.action}" autocomplete="on">
<label for="username">Email or username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="254" value="${o.username ?? ''}"${new Html(describedBy)} autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${new Html(describedBy)}>
<button type="submit" class="primary">Sign in</button>
</form>
<form method="post" action="${o.abort}"><button type="submit">Cancel</button></form>`,
  );
}

export function totpPage(o: { action: string; abort: string; clientName: string; error?: string }): string {
  return page(
    'Verification code',
    html`<h1>Verification code</h1>
<p>Enter the 6-digit code from your authenticator app to continue to <strong>${o.clientName}</strong>.</p>
${errorBox(o.error)}
<form method="post" action="${o.action}" autocomplete="off">
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9 ]{6,7}" autocomplete="one-time-code" required maxlength="7" autofocus${new Html(o.error ? ' aria-describedby="form-error"' : '')}>
<button type="submit" class="primary">Verify</button>
</form>
<form method="post" action="${o.abort}"><button type="submit">Cancel</button></form>`,
  );
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Confirm who you are (your user id)',
  email: 'Your email address',
  offline_access: 'Stay connected when you are not using it (refresh tokens)',
};

export function consentPage(o: { action: string; abort: string; clientName: string; username: string; oidcScopes: string[]; resources: { indicator: string; scopes: string[] }[] }): string {
  const items: Html[] = o.oidcScopes.map((s) => html`<li>${SCOPE_TEXT[s] ?? s}</li>`);
  for (const r of o.resources) {
    items.push(html`<li>Access <code>${r.indicator}</code>${r.scopes.length ? html` with: ${r.scopes.map((s, i) => html`${i ? ', ' : ''}<code>${s}</code>`)}` : ''}</li>`);
  }
  return page(
    'Allow access?',
    html`<h1>Allow access?</h1>
<p><strong>${o.clientName}</strong> asks to act on your behalf (signed in as ${o.username}):</p>
<ul class="scopes">${items}</ul>
<form method="post" action="${o.action}"><button type="submit" class="primary">Allow</button></form>
<form method="post" action="${o.abort}"><button type="submit">Deny</button></form>
<p class="note">You can change your mind later by asking an administrator to revoke the access.</p>`,
  );
}

export function messagePage(title: string, message: string, detail?: string): string {
  return page(title, html`<h1>${title}</h1><p>${message}</p>${detail ? html`<p class="note">${detail}</p>` : ''}`);
}

export function demoIndexPage(o: { startHref: string; users: { username: string; password: string; roles: string[] }[]; clientId: string; issuer: string }): string {
  return page(
    'Palisade authorization server — demo',
    html`<h1>Authorization code with PKCE: try it</h1>
<p>This page plays the part of a web application (client <code>${o.clientId}</code>). It creates a PKCE verifier,
sends you to the authorization server to sign in and consent, and receives the code at its callback.</p>
<p><a href="${o.startHref}"><strong>Start: sign in with the demo client</strong></a></p>
<p>Demo accounts (their passwords are public on purpose):</p>
<ul>${o.users.map((u) => html`<li><code>${u.username}</code> / <code>${u.password}</code> (${u.roles.join(', ')})</li>`)}</ul>
<p class="note">Discovery: <a href="${o.issuer}/.well-known/openid-configuration">${o.issuer}/.well-known/openid-configuration</a>,
signing keys: <a href="${o.issuer}/jwks">${o.issuer}/jwks</a></p>`,
    { wide: true },
  );
}

export function demoCallbackPage(o: { code?: string; error?: string; errorDescription?: string; exchangeCurl?: string; restartHref: string }): string {
  if (o.error !== undefined || o.code === undefined) {
    return page(
      'Demo callback: no code',
      html`<h1>No authorization code</h1>
<p class="error" role="alert">${o.error ?? 'missing code'}${o.errorDescription ? html`: ${o.errorDescription}` : ''}</p>
<p><a href="${o.restartHref}">Start again</a></p>`,
      { wide: true },
    );
  }
  return page(
    'Demo callback: code received',
    html`<h1>Code received</h1>
<p>The authorization server redirected back with this authorization code (valid for a minute, usable once):</p>
<pre><code>${o.code}</code></pre>
<p>Exchange it for tokens. The request proves possession of the PKCE verifier this page created, so a stolen code alone is useless:</p>
<pre><code>${o.exchangeCurl ?? ''}</code></pre>
<p>The answer holds an access token (a JWT for the demo API, signed with a key published at /jwks), an ID token and a refresh token.
Each refresh returns a new refresh token; using an old one again revokes them all.</p>
<p><a href="${o.restartHref}">Start again</a></p>`,
    { wide: true },
  );
}
