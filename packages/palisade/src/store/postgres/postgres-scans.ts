// ScanStore over PostgreSQL: the scans table of migration 7.
import type { ErrorCode, NewScan, ScanPatch, ScanQuery, ScanRecord, ScanStore } from '../../core/index.js';
import { SCAN_COLUMNS, checkKeep, checkReport, checkScanId, newScanParams, scanFilter, scanFromRow, scanLimit, scanPatchSql } from '../scan-codec.js';
import type { ScanRow } from '../scan-codec.js';
import type { Query } from './postgres-oauth.js';

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';

export class PostgresScanStore implements ScanStore {
  constructor(private readonly q: Query) {}

  async create(scan: NewScan): Promise<ScanRecord> {
    await this.q(W, 'creating a scan', `INSERT INTO scans (id, created_at, target, spec_source, api, started_by, status) VALUES ($1, $2, $3, $4, $5, $6, 'queued')`, newScanParams(scan));
    return (await this.get(scan.id))!;
  }

  async get(id: string): Promise<ScanRecord | undefined> {
    const r = await this.q<ScanRow>(R, 'reading a scan', `SELECT ${SCAN_COLUMNS} FROM scans WHERE id = $1`, [id]);
    return r.rows[0] ? scanFromRow(r.rows[0]) : undefined;
  }

  async list(query: ScanQuery = {}): Promise<ScanRecord[]> {
    const { where, params } = scanFilter(query, (i) => `$${i}`);
    params.push(scanLimit(query));
    const r = await this.q<ScanRow>(R, 'listing scans', `SELECT ${SCAN_COLUMNS} FROM scans ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`, params);
    return r.rows.map(scanFromRow);
  }

  async update(id: string, patch: ScanPatch): Promise<ScanRecord | undefined> {
    checkScanId(id);
    const { set, params } = scanPatchSql(patch, (i) => `$${i}`);
    if (set) {
      params.push(id);
      await this.q(W, 'updating a scan', `UPDATE scans SET ${set} WHERE id = $${params.length}`, params);
    }
    return this.get(id);
  }

  async setReport(id: string, html: string): Promise<boolean> {
    const report = checkReport(html);
    return (await this.q(W, 'storing a scan report', 'UPDATE scans SET report_html = $1 WHERE id = $2', [report, id])).rowCount > 0;
  }

  async getReport(id: string): Promise<string | undefined> {
    const r = await this.q<{ report_html: string | null }>(R, 'reading a scan report', 'SELECT report_html FROM scans WHERE id = $1', [id]);
    return r.rows[0]?.report_html ?? undefined;
  }

  async failUnfinished(reason: string, at: number): Promise<number> {
    return (await this.q(W, 'closing unfinished scans', `UPDATE scans SET status = 'failed', error = $1, finished_at = $2 WHERE status IN ('queued', 'running')`, [reason, at])).rowCount;
  }

  async prune(keep: number): Promise<number> {
    const n = checkKeep(keep);
    return (await this.q(W, 'pruning scans', 'DELETE FROM scans WHERE id NOT IN (SELECT id FROM scans ORDER BY created_at DESC, id DESC LIMIT $1)', [n])).rowCount;
  }
}
