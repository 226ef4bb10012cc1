import { useEffect, useState, type FormEvent } from 'react';
import { API_BASE, errorMessage, getSso } from '../api/client';
import type { SsoInfo } from '../api/types';
import { InlineError } from '../components/ui';
import { useSessionApi } from '../session';

export function SignIn({ reason }: { reason?: string }) {
  const { signIn } = useSessionApi();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [sso, setSso] = useState<SsoInfo | undefined>();
  useEffect(() => {
    document.title = 'Sign in · Palisade console';
    let live = true;
    getSso().then(
      (s) => live && setSso(s),
      () => undefined, // SSO is optional: without an answer, only the password form shows.
    );
    return () => {
      live = false;
    };
  }, []);
  const ssoError = new URLSearchParams(window.location.search).get('error');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username || !password) {
      setError('Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username, password);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <main className="signin-page">
      <div className="signin-card">
        <div className="brand brand-lg">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width="32" height="32" />
          <span>Palisade</span>
        </div>
        <h1>Sign in to the console</h1>
        {reason && (
          <p className="notice" role="status">
            {reason}
          </p>
        )}
        {ssoError && <InlineError message={`Single sign-on failed: ${ssoError}`} />}
        <form onSubmit={submit} noValidate aria-describedby={error ? 'signin-error' : undefined}>
          <div className="field">
            <label htmlFor="signin-username">Username</label>
            <input id="signin-username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus required />
          </div>
          <div className="field">
            <label htmlFor="signin-password">Password</label>
            <input id="signin-password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
          </div>
          {error && (
            <p id="signin-error" className="inline-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        {sso?.enabled && (
          <>
            <div className="divider" role="separator">
              <span>or</span>
            </div>
            <a className="btn btn-block" href={`${API_BASE}/sso/login`} data-testid="sso-login">
              Sign in with {sso.name || 'single sign-on'}
            </a>
          </>
        )}
        <p className="muted small">
          No account? An administrator creates one with <code>palisade users create</code>.
        </p>
      </div>
    </main>
  );
}
