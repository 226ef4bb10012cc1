// The demo's data: an in-memory SQLite database seeded identically at every start, so the ids,
// e-mails and balances quoted in VULNERABILITIES.md and used by the tests are always there.
// SQLite (rather than arrays) gives the search endpoint a real SQL injection.
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

/** The documented demo accounts. Their passwords are public on purpose: this API exists to be attacked. */
export const DEMO_USERS = Object.freeze([
  { id: 1, email: 'alice@acme.test', name: 'Alice Archer', password: 'alice-pass-1', role: 'customer', phone: '+1 202-555-0101', address: '1 Elm Street, Springfield' },
  { id: 2, email: 'bob@acme.test', name: 'Bob Baker', password: 'bob-pass-2', role: 'customer', phone: '+1 202-555-0102', address: '2 Oak Avenue, Springfield' },
  { id: 3, email: 'carol@acme.test', name: 'Carol Cruz', password: 'carol-pass-3', role: 'customer', phone: '+1 202-555-0103', address: '3 Pine Road, Shelbyville' },
  { id: 10, email: 'admin@acme.test', name: 'Ada Admin', password: 'admin-pass-10', role: 'admin', phone: '+1 202-555-0110', address: 'Acme HQ, 100 Main Street' },
] as const satisfies readonly DemoUser[]);

export const ALICE = DEMO_USERS[0];
export const BOB = DEMO_USERS[1];
export const CAROL = DEMO_USERS[2];
export const ADMIN = DEMO_USERS[3];

/** Seeded orders: id → owner. */
export const DEMO_ORDERS = Object.freeze({ 1001: ALICE.id, 1002: ALICE.id, 1003: BOB.id, 1004: CAROL.id } as const);

export const PRODUCT_COUNT = 2000;
export const FLASH_SALE_PRODUCT_ID = 1;
export const FLASH_SALE_STOCK = 5;
export const WELCOME_COUPON = 'WELCOME10';
export const WELCOME_COUPON_CREDIT = 10;
export const STARTING_BALANCE = 50;

/** DEMO-API2-04: unsalted SHA-256 — and the hash is handed out by DEMO-API3-01 and DEMO-API9-01. */
export function weakHash(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

export interface UserRow {
  id: number;
  email: string;
  name: string;
  password_hash: string;
  role: string;
  phone: string;
  address: string;
  balance: number;
  internal_notes: string;
  avatar_url: string | null;
  created_at: string;
}

export interface ProductRow {
  id: number;
  name: string;
  description: string;
  price: number;
  stock: number;
  category: string;
}

export interface OrderRow {
  id: number;
  user_id: number;
  product_id: number;
  quantity: number;
  total: number;
  status: string;
  shipping_address: string;
  card_last4: string;
  shipping_note: string | null;
  created_at: string;
}

const SEED_TIME = '2026-01-15T09:00:00.000Z';
const CATEGORIES = ['tools', 'garden', 'kitchen', 'toys', 'books'] as const;

function seed(db: Database.Database): void {
  db.exec(`
    CREATE TABLE users (
      id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, name TEXT NOT NULL, password_hash TEXT NOT NULL,
      role TEXT NOT NULL, phone TEXT NOT NULL, address TEXT NOT NULL, balance REAL NOT NULL DEFAULT 0,
      internal_notes TEXT NOT NULL, avatar_url TEXT, created_at TEXT NOT NULL
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
    CREATE INDEX orders_by_user ON orders (user_id, id);
    CREATE TABLE redemptions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, code TEXT NOT NULL, at TEXT NOT NULL);
  `);
  const addUser = db.prepare(
    'INSERT INTO users (id, email, name, password_hash, role, phone, address, balance, internal_notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const addProduct = db.prepare('INSERT INTO products (id, name, description, price, stock, category) VALUES (?, ?, ?, ?, ?, ?)');
  const addOrder = db.prepare(
    'INSERT INTO orders (id, user_id, product_id, quantity, total, status, shipping_address, card_last4, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const u of DEMO_USERS) {
      const notes = u.role === 'admin' ? 'Break-glass account; MFA disabled for the on-call rota' : `KYC checked by ops; fraud score ${(u.id * 17) % 100}`;
      addUser.run(u.id, u.email, u.name, weakHash(u.password), u.role, u.phone, u.address, u.role === 'admin' ? 0 : STARTING_BALANCE, notes, SEED_TIME);
    }
    addProduct.run(FLASH_SALE_PRODUCT_ID, 'Limited Edition Anvil', 'Flash sale: only a few in stock, one per customer.', 9.99, FLASH_SALE_STOCK, 'tools');
    for (let i = 2; i <= PRODUCT_COUNT; i++) {
      // Prices and stock are a function of the id so every run sees the same catalogue.
      const price = Math.round((5 + ((i * 37) % 200) + 0.99) * 100) / 100;
      addProduct.run(i, `Acme Product ${i}`, `A dependable product number ${i} for every cartoon emergency.`, price, 100 + (i % 50), CATEGORIES[i % CATEGORIES.length]!);
    }
    addOrder.run(1001, ALICE.id, 42, 1, 45.99, 'shipped', ALICE.address, '4242', SEED_TIME);
    addOrder.run(1002, ALICE.id, 7, 2, 31.98, 'processing', ALICE.address, '4242', SEED_TIME);
    addOrder.run(1003, BOB.id, 99, 1, 104.99, 'shipped', BOB.address, '1881', SEED_TIME);
    addOrder.run(1004, CAROL.id, 12, 3, 90.0, 'delivered', CAROL.address, '0005', SEED_TIME);
  })();
}

/** Opens a fresh, seeded in-memory database. Each demo instance has its own. */
export function openDatabase(): Database.Database {
  const db = new Database(':memory:');
  seed(db);
  return db;
}
