// ScanStore over SQLite: the scans table of migration 7.
import type Database from 'better-sqlite3';
import type { ErrorCode, NewScan, ScanPatch, ScanQuery, ScanRecord, ScanStore } from '../../core/index.js';
import { SCAN_COLUMNS, checkKeep, checkReport, checkScanId, newScanParams, scanFilter, scanFromRow, scanLimit, scanPatchSql } from '../scan-codec.js';
import type { ScanRow } from '../scan-codec.js';
import type { Run } from './sqlite-oauth.js';

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';

export class SqliteScanStore implements ScanStore {
  constructor(
    private readonly db: Database.Database,
    private readonly run: Run,
  ) {}

  async create(scan: NewScan): Promise<ScanRecord> {
    const params = newScanParams(scan);
    this.run(W, 'creating a scan', () =>
      this.db.prepare(`INSERT INTO scans (id, created_at, target, spec_source, api, started_by, status) VALUES (?, ?, ?, ?, ?, ?, 'queued')`).run(...params),
    );
    return (await this.get(scan.id))!;
  }

  async get(id: string): Promise<ScanRecord | undefined> {
    const row = this.run(R, 'reading a scan', () => this.db.prepare<[string], ScanRow>(`SELECT ${SCAN_COLUMNS} FROM scans WHERE id = ?`).get(id));
    return row ? scanFromRow(row) : undefined;
  }

  async list(query: ScanQuery = {}): Promise<ScanRecord[]> {
    const { where, params } = scanFilter(query, () => '?');
    const rows = this.run(R, 'listing scans', () =>
      this.db.prepare<unknown[], ScanRow>(`SELECT ${SCAN_COLUMNS} FROM scans ${where} ORDER BY created_at DESC, id DESC LIMIT ?`).all(...params, scanLimit(query)),
    );
    return rows.map(scanFromRow);
  }

  async update(id: string, patch: ScanPatch): Promise<ScanRecord | undefined> {
    checkScanId(id);
    const { set, params } = scanPatchSql(patch, () => '?');
    if (set) this.run(W, 'updating a scan', () => this.db.prepare(`UPDATE scans SET ${set} WHERE id = ?`).run(...params, id));
    return this.get(id);
  }

  async setReport(id: string, html: string): Promise<boolean> {
    const report = checkReport(html);
    return this.run(W, 'storing a scan report', () => this.db.prepare<[string, string]>('UPDATE scans SET report_html = ? WHERE id = ?').run(report, id).changes > 0);
  }

  async getReport(id: string): Promise<string | undefined> {
    const row = this.run(R, 'reading a scan report', () => this.db.prepare<[string], { report_html: string | null }>('SELECT report_html FROM scans WHERE id = ?').get(id));
    return row?.report_html ?? undefined;
  }

  async failUnfinished(reason: string, at: number): Promise<number> {
    return this.run(W, 'closing unfinished scans', () =>
      this.db.prepare<[string, number]>(`UPDATE scans SET status = 'failed', error = ?, finished_at = ? WHERE status IN ('queued', 'running')`).run(reason, at).changes,
    );
  }

  async prune(keep: number): Promise<number> {
    const n = checkKeep(keep);
    return this.run(W, 'pruning scans', () =>
      this.db.prepare<[number]>('DELETE FROM scans WHERE id NOT IN (SELECT id FROM scans ORDER BY created_at DESC, id DESC LIMIT ?)').run(n).changes,
    );
  }
}
