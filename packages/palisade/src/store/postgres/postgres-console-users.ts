// ConsoleUsersStore over PostgreSQL: the console_* tables of migration 5, through PostgresStore's
// pool and error handling. The SQL lives in console-users-sql.ts.
import type { QueryResultRow } from 'pg';
import { ConsoleUsersSql } from '../console-users-sql.js';
import type { Query } from './postgres-oauth.js';

export class PostgresConsoleUsersStore extends ConsoleUsersSql {
  constructor(q: Query) {
    super({
      bool: (b) => b,
      async exec<R>(code: Parameters<Query>[0], what: string, sql: string, params: unknown[]) {
        const r = await q<QueryResultRow>(code, what, sql, params);
        // pg returns rows typed by the caller's column list; the SQL class names the shape it selected.
        return { rows: r.rows as R[], changes: r.rowCount };
      },
    });
  }
}
