// Who is signed in. The UI hides what the role may not do; the API enforces it regardless.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { errorMessage, loadSession, onUnauthorized, signIn as apiSignIn, signOut as apiSignOut } from './api/client';
import { ROLES, type Role, type Session } from './api/types';

type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; reason?: string }
  | { status: 'error'; message: string }
  | { status: 'signed-in'; session: Session };

interface SessionApi {
  state: SessionState;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  retry(): void;
}

const Ctx = createContext<SessionApi | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    loadSession().then(
      (s) => live && setState(s ? { status: 'signed-in', session: s } : { status: 'signed-out' }),
      (err: unknown) => live && setState({ status: 'error', message: errorMessage(err) }),
    );
    return () => {
      live = false;
    };
  }, [attempt]);
  useEffect(
    () =>
      onUnauthorized(() =>
        setState((prev) => (prev.status === 'signed-in' ? { status: 'signed-out', reason: 'Your session has ended. Sign in again to continue.' } : prev)),
      ),
    [],
  );
  const signIn = useCallback(async (username: string, password: string) => {
    const s = await apiSignIn(username, password);
    setState({ status: 'signed-in', session: s });
  }, []);
  const signOut = useCallback(async () => {
    try {
      await apiSignOut();
    } finally {
      setState({ status: 'signed-out' });
    }
  }, []);
  const retry = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((a) => a + 1);
  }, []);
  const value = useMemo(() => ({ state, signIn, signOut, retry }), [state, signIn, signOut, retry]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSessionApi(): SessionApi {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSessionApi outside SessionProvider');
  return v;
}

/** The signed-in session (only call below the signed-in shell). */
export function useSession(): Session {
  const { state } = useSessionApi();
  if (state.status !== 'signed-in') throw new Error('useSession without a session');
  return state.session;
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** True when the signed-in user's role allows `need`. */
export function useCan(need: Role): boolean {
  return roleAtLeast(useSession().user.role, need);
}
