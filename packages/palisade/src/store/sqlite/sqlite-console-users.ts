// ConsoleUsersStore over SQLite: the console_* tables of migration 5. The SQL lives in
// console-users-sql.ts; this adapts its `$n` placeholders to SQLite's positional `?`.
import type Database from 'better-sqlite3';
import type { ErrorCode } from '../../core/index.js';
import { ConsoleUsersSql } from '../console-users-sql.js';
import type { ConsoleSqlExecutor } from '../console-users-sql.js';
import type { Run } from './sqlite-oauth.js';

export class SqliteConsoleUsersStore extends ConsoleUsersSql {
  constructor(db: Database.Database, run: Run) {
    const statements = new Map<string, { stmt: Database.Statement<unknown[]>; order: number[] }>();
    const prepare = (sql: string) => {
      let s = statements.get(sql);
      if (!s) {
        // `$1 ... $1` becomes `? ... ?` with the parameter repeated: better-sqlite3 binds by position.
        const order: number[] = [];
        const positional = sql.replace(/\$(\d+)/g, (_m, n: string) => {
          order.push(Number(n) - 1);
          return '?';
        });
        s = { stmt: db.prepare<unknown[]>(positional), order };
        statements.set(sql, s);
      }
      return s;
    };
    const x: ConsoleSqlExecutor = {
      bool: (b) => (b ? 1 : 0),
      async exec<R>(code: ErrorCode, what: string, sql: string, params: unknown[]) {
        return run(code, what, () => {
          const { stmt, order } = prepare(sql);
          const args = order.map((i) => params[i]);
          if (stmt.reader) return { rows: stmt.all(...args) as R[], changes: 0 };
          return { rows: [] as R[], changes: stmt.run(...args).changes };
        });
      },
    };
    super(x);
  }
}
