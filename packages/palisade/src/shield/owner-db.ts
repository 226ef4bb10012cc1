// Owner lookups that query the API's own database (authorize.rules[].ownerLookup.sql): who owns
// order 1003 is often a column, not an endpoint. One connection per database URL per process,
// opened on first use and kept across configuration reloads (like the JWT verifiers), closed with
// the gateway.
//
// Safety: the query is the operator's, the values are the caller's. Values are only ever bound
// parameters, never spliced into the text; the connection is read-only (SQLite opened readonly,
// PostgreSQL sessions with default_transaction_read_only) and each statement has a time limit.
import Database from 'better-sqlite3';
import pg from 'pg';
import { PalisadeError } from '../core/index.js';

/** One prepared owner query: the first row it returns, or undefined when there is none. */
export interface OwnerQuery {
  run(params: Readonly<Record<string, string>>): Promise<Record<string, unknown> | undefined>;
}

/** `{name}` placeholders outside string literals, in order; the query must be one SELECT (or WITH … SELECT). */
export function parseOwnerQuery(sql: string): { names: string[]; pieces: string[] } {
  const text = sql.trim().replace(/;\s*$/, '');
  if (!/^(?:select|with)\b/i.test(text)) throw new Error('the query must be a single SELECT statement (or WITH ... SELECT)');
  const names: string[] = [];
  const pieces: string[] = [];
  let current = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      // A quoted literal or identifier ('' and "" escape the quote): copied as is.
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Error(`unterminated ${c === "'" ? 'string literal' : 'quoted identifier'} at character ${i + 1}`);
        if (text[j] === c) {
          if (text[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      current += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      throw new Error('comments are not allowed in the query');
    } else if (c === '/' && text[i + 1] === '*') {
      throw new Error('comments are not allowed in the query');
    } else if (c === ';') {
      throw new Error('one statement only: the query contains ;');
    } else if (c === '{') {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]{0,63})\}/.exec(text.slice(i));
      if (!m) throw new Error(`a placeholder is {name}, with the name of a path parameter (at character ${i + 1})`);
      names.push(m[1]!);
      pieces.push(current);
      current = '';
      i += m[0].length;
    } else {
      current += c;
      i++;
    }
  }
  pieces.push(current);
  if (names.length === 0) throw new Error('the query has no {parameter} placeholder: it would give the same owner for every object');
  return { names, pieces };
}

interface Connection {
  prepare(sql: string, timeoutMs: number): OwnerQuery;
  close(): Promise<void>;
}

function sqliteConnection(path: string): Connection {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`cannot open the SQLite database ${path}: ${(err as Error).message}`, { cause: err });
  }
  return {
    prepare(sql) {
      const { names, pieces } = parseOwnerQuery(sql);
      const stmt = db.prepare(pieces.join('?'));
      if (!stmt.reader) throw new Error('the query returns no rows');
      return {
        // Synchronous, like every better-sqlite3 call: an indexed lookup takes microseconds.
        run: (params) => {
          try {
            return Promise.resolve(stmt.get(...names.map((n) => params[n] ?? null)) as Record<string, unknown> | undefined);
          } catch (err) {
            return Promise.reject(err as Error);
          }
        },
      };
    },
    close: async () => {
      db.close();
    },
  };
}

function postgresConnection(url: string): Connection {
  const pools = new Map<number, pg.Pool>();
  const poolFor = (timeoutMs: number) => {
    let p = pools.get(timeoutMs);
    if (!p) {
      // Read-only sessions and a statement time limit enforced by the server itself.
      p = new pg.Pool({
        connectionString: url,
        max: 4,
        idleTimeoutMillis: 30_000,
        connectionTimeoutMillis: timeoutMs,
        options: `-c default_transaction_read_only=on -c statement_timeout=${timeoutMs}`,
      });
      // An idle client's error (database restarted) must not crash the gateway; the next query reconnects.
      p.on('error', () => undefined);
      pools.set(timeoutMs, p);
    }
    return p;
  };
  return {
    prepare(sql, timeoutMs) {
      const { names, pieces } = parseOwnerQuery(sql);
      const text = pieces.reduce((acc, piece, i) => (i === 0 ? piece : `${acc}$${i}${piece}`), '');
      const pool = poolFor(timeoutMs);
      return {
        run: async (params) => {
          const r = await pool.query({ text, values: names.map((n) => params[n] ?? null) });
          return r.rows[0] as Record<string, unknown> | undefined;
        },
      };
    },
    close: async () => {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
    },
  };
}

/** Database URL → connection, shared by every rule and route of the process. */
export class OwnerDatabases {
  private readonly connections = new Map<string, Connection>();

  /**
   * `sqlite:<path>` (relative paths against baseDir) or `postgres://…` / `postgresql://…`.
   * Throws a PalisadeError naming `where` when the URL or the query is unusable.
   */
  prepare(url: string, sql: string, timeoutMs: number, where: string): OwnerQuery {
    try {
      let c = this.connections.get(url);
      if (!c) {
        if (/^postgres(?:ql)?:\/\//i.test(url)) c = postgresConnection(url);
        else if (/^sqlite:/i.test(url)) c = sqliteConnection(url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, ''));
        else throw new Error('the database is sqlite:<path> or postgres://user@host/db');
        this.connections.set(url, c);
      }
      return c.prepare(sql, timeoutMs);
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}: ${(err as Error).message}`, [], { cause: err });
    }
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}
