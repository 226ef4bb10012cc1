// The demo's data: an in-memory SQLite database seeded the same way at every start, so exploits
// in VULNERABILITIES.md and the tests always find the same ids, e-mails and balances.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';

export interface DemoUser {
  id: number;
  email: string;
  name: string;
  password: string;
  role: 'customer' | 'admin';
  phone: string;
  address: string;
}

/** Documented demo accounts (deliberately known: this API exists to be attacked). */
export const DEMO_USERS: readonly DemoUser[] = [
  { id: 1, email: 'alice@acme.test', name: 'Alice Archer', password: 'alice-pass-1', role: 'customer', phone: '+1 202-555-0101', address: '1 Elm Street, Springfield' },
  { id: 2, email: 'bob@acme.test', name: 'Bob Baker', password: 'bob-pass-2', role: 'customer', phone: '+1 202-555-0102', address: '2 Oak Avenue, Springfield' },
  { id: 3, email: 'carol@acme.test', name: 'Carol Cruz', password: 'carol-pass-3', role: 'customer', phone: '+1 202-555-0103', address: '3 Pine Road, Shelbyville' },
  { id: 10, email: 'admin@acme.test', name: 'Ada Admin', password: 'admin-pass-10', role: 'admin', phone: '+1 202-555-0110', address: 'Acme HQ' },
];

/** Weak on purpose (DEMO-API2-04): unsalted SHA-256, and it is returned by the API (DEMO-API3-01). */
export function weakHash(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

export const PRODUCT_COUNT = 2000;
export const FLASH_SALE_PRODUCT_ID = 1;
export const FLASH_SALE_STOCK = 5;
export const WELCOME_COUPON = 'WELCOME10';

export function openDatabase(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('journal_mode = MEMORY');
  db.exec(`
    CREATE TABLE users (
      id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, name TEXT NOT NULL, password_hash TEXT NOT NULL,
      role TEXT NOT NULL, phone TEXT, address TEXT, balance REAL NOT NULL DEFAULT 0,
      internal_notes TEXT, avatar_url TEXT, created_at TEXT NOT NULL
    );
    CREATE TABLE products (
      id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, price REAL NOT NULL,
      stock INTEGER NOT NULL, category TEXT NOT NULL
    );
    CREATE TABLE orders (
      id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, product_id INTEGER NOT NULL, quantity INTEGER NOT NULL,
      total REAL NOT NULL, status TEXT NOT NULL, shipping_address TEXT NOT NULL, card_last4 TEXT NOT NULL,
      shipping_note TEXT, created_at TEXT NOT NULL
    );
    CREATE TABLE redemptions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, code TEXT NOT NULL, at TEXT NOT NULL);
  `);
  const created = '2026-01-15T09:00:00.000Z';
  const addUser = db.prepare(
    'INSERT INTO users (id, email, name, password_hash, role, phone, address, balance, internal_notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const u of DEMO_USERS) {
    addUser.run(u.id, u.email, u.name, weakHash(u.password), u.role, u.phone, u.address, u.role === 'admin' ? 0 : 50, `KYC checked by ops; risk=${u.id % 3}`, created);
  }
  const categories = ['tools', 'garden', 'kitchen', 'toys', 'books'];
  const addProduct = db.prepare('INSERT INTO products (id, name, description, price, stock, category) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    addProduct.run(FLASH_SALE_PRODUCT_ID, 'Limited Edition Anvil', 'Flash sale: only a few in stock, one per customer', 9.99, FLASH_SALE_STOCK, 'tools');
    for (let i = 2; i <= PRODUCT_COUNT; i++) {
      addProduct.run(i, `Acme Product ${i}`, `A dependable product number ${i} for every cartoon emergency.`, Math.round((5 + ((i * 37) % 200) + 0.99) * 100) / 100, 100 + (i % 50), categories[i % categories.length]!);
    }
  })();
  const addOrder = db.prepare(
    'INSERT INTO orders (id, user_id, product_id, quantity, total, status, shipping_address, card_last4, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  addOrder.run(1001, 1, 42, 1, 45.99, 'shipped', DEMO_USERS[0]!.address, '4242', created);
  addOrder.run(1002, 1, 7, 2, 31.98, 'processing', DEMO_USERS[0]!.address, '4242', created);
  addOrder.run(1003, 2, 99, 1, 104.99, 'shipped', DEMO_USERS[1]!.address, '1881', created);
  addOrder.run(1004, 3, 12, 3, 90.0, 'delivered', DEMO_USERS[2]!.address, '0005', created);
  return db;
}
