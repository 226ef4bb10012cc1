// The shop's state for one demo instance: its database, the statements prepared once against it,
// and a small cache of catalogue pages (the product list is a benchmark target).
import type Database from 'better-sqlite3';
import { openDatabase } from './db.js';
import type { OrderRow, ProductRow, UserRow } from './db.js';

/** Columns PATCH /api/v2/users/me writes when the body names them (see DEMO-API3-02 in routes.ts). */
export const USER_WRITABLE_COLUMNS = ['name', 'phone', 'address', 'email', 'role', 'balance', 'internal_notes'] as const;
export type UserWritableColumn = (typeof USER_WRITABLE_COLUMNS)[number];

const PAGE_CACHE_ENTRIES = 256;
/** Pages this large are not worth keeping in memory. */
const PAGE_CACHE_MAX_LIMIT = 100;

export class Shop {
  readonly db: Database.Database;
  readonly partnerUrl: string;

  readonly userById: Database.Statement<[number], UserRow>;
  readonly userByEmail: Database.Statement<[string], UserRow>;
  readonly publicUsers: Database.Statement<[], Pick<UserRow, 'id' | 'email' | 'name' | 'role' | 'phone' | 'address' | 'balance'>>;
  readonly deleteUser: Database.Statement<[number]>;
  readonly setAvatar: Database.Statement<[string, number]>;
  readonly addBalance: Database.Statement<[number, number]>;
  readonly productPage: Database.Statement<[number, number], Omit<ProductRow, 'description'>>;
  readonly productCount: Database.Statement<[], { n: number }>;
  readonly productById: Database.Statement<[number], ProductRow>;
  readonly takeStock: Database.Statement<[number, number]>;
  readonly orderById: Database.Statement<[number], OrderRow>;
  readonly ownOrder: Database.Statement<[number, number], OrderRow>;
  readonly ordersOf: Database.Statement<[number, number, number], OrderRow>;
  readonly insertOrder: Database.Statement<[number, number, number, number, string, string, string]>;
  readonly setShippingAddress: Database.Statement<[string, number]>;
  readonly applyShippingQuote: Database.Statement<[string, number, number]>;
  readonly recordRedemption: Database.Statement<[number, string, string]>;

  private readonly userUpdates = new Map<string, Database.Statement<[Record<string, string | number>]>>();
  private readonly pages = new Map<string, Buffer>();

  constructor(opts: { partnerUrl: string }) {
    this.partnerUrl = opts.partnerUrl.replace(/\/+$/, '');
    const db = (this.db = openDatabase());
    this.userById = db.prepare('SELECT * FROM users WHERE id = ?');
    this.userByEmail = db.prepare('SELECT * FROM users WHERE email = ?');
    this.publicUsers = db.prepare('SELECT id, email, name, role, phone, address, balance FROM users ORDER BY id');
    this.deleteUser = db.prepare('DELETE FROM users WHERE id = ?');
    this.setAvatar = db.prepare('UPDATE users SET avatar_url = ? WHERE id = ?');
    this.addBalance = db.prepare('UPDATE users SET balance = balance + ? WHERE id = ?');
    this.productPage = db.prepare('SELECT id, name, price, stock, category FROM products ORDER BY id LIMIT ? OFFSET ?');
    this.productCount = db.prepare('SELECT COUNT(*) AS n FROM products');
    this.productById = db.prepare('SELECT * FROM products WHERE id = ?');
    this.takeStock = db.prepare('UPDATE products SET stock = stock - ? WHERE id = ?');
    this.orderById = db.prepare('SELECT * FROM orders WHERE id = ?');
    this.ownOrder = db.prepare('SELECT * FROM orders WHERE id = ? AND user_id = ?');
    this.ordersOf = db.prepare('SELECT * FROM orders WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?');
    this.insertOrder = db.prepare(
      "INSERT INTO orders (user_id, product_id, quantity, total, status, shipping_address, card_last4, created_at) VALUES (?, ?, ?, ?, 'processing', ?, ?, ?)",
    );
    this.setShippingAddress = db.prepare('UPDATE orders SET shipping_address = ? WHERE id = ?');
    this.applyShippingQuote = db.prepare('UPDATE orders SET shipping_note = ?, total = round(total + ?, 2) WHERE id = ?');
    this.recordRedemption = db.prepare('INSERT INTO redemptions (user_id, code, at) VALUES (?, ?, ?)');
  }

  /** An UPDATE of the given columns of one user, prepared once per distinct set of columns. */
  updateUser(columns: readonly UserWritableColumn[]): Database.Statement<[Record<string, string | number>]> {
    const key = [...columns].sort().join(',');
    let stmt = this.userUpdates.get(key);
    if (!stmt) {
      // Column names come from USER_WRITABLE_COLUMNS only, never from the request.
      stmt = this.db.prepare(`UPDATE users SET ${key.split(',').map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`);
      this.userUpdates.set(key, stmt);
    }
    return stmt;
  }

  /** The serialised catalogue page, from the cache when it is there. */
  productPageJson(page: number, limit: number): Buffer {
    const cacheable = limit <= PAGE_CACHE_MAX_LIMIT;
    const key = `${page}:${limit}`;
    if (cacheable) {
      const hit = this.pages.get(key);
      if (hit) return hit;
    }
    const items = this.productPage.all(limit, (page - 1) * limit);
    const body = Buffer.from(JSON.stringify({ items, page, limit, total: this.productCount.get()!.n }));
    if (cacheable) {
      if (this.pages.size >= PAGE_CACHE_ENTRIES) this.pages.clear();
      this.pages.set(key, body);
    }
    return body;
  }

  /** Stock changed: every cached page may be stale. */
  catalogueChanged(): void {
    this.pages.clear();
  }

  close(): void {
    this.db.close();
  }
}
