// Naming a PostgreSQL target in messages without ever showing its password.

export interface PgTarget {
  /** postgres://user@host:port/database, without password or query string. */
  description: string;
  /** Strings that must not appear in any message (the password, raw and decoded). */
  secrets: string[];
}

export function describeConnection(url: string): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // An unparseable URL may still hold a password somewhere: hide the whole text.
    return { description: 'an unparseable PostgreSQL URL', secrets: url ? [url] : [] };
  }
  const secrets: string[] = [];
  const addSecret = (s: string | null): void => {
    if (!s) return;
    secrets.push(s);
    try {
      const decoded = decodeURIComponent(s);
      if (decoded !== s) secrets.push(decoded);
    } catch {
      /* not percent-encoded text: the raw form is already listed */
    }
  };
  addSecret(u.password);
  addSecret(u.searchParams.get('password'));
  const user = u.username || u.searchParams.get('user') || '';
  const host = u.hostname || u.searchParams.get('host') || 'localhost';
  const port = u.port || '5432';
  const database = u.pathname.replace(/^\//, '') || user;
  const description = `postgres://${user ? `${decodeSafe(user)}@` : ''}${host}:${port}/${decodeSafe(database)}`;
  // Longest first so a secret containing another is removed whole.
  secrets.sort((a, b) => b.length - a.length);
  return { description, secrets };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `text` with every secret replaced by '***'. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** PostgreSQL schema names this store accepts: unquoted lower-case identifiers, so no quoting is ever needed. */
export function validSchemaName(schema: string): boolean {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(schema) && !schema.startsWith('pg_');
}
