// The console JSON API (base /console/api) as the UI sees it. Written from the shared console
// contract; the backend's OpenAPI document (GET /console/api/openapi.json) is the authority.
// Fields the contract leaves open are typed loosely (optional, unions) and the views read them
// defensively, so a backend that adds fields never breaks the UI.

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Epoch ms or an ISO 8601 string: the contract does not fix one, so both are accepted. */
export type Instant = number | string;

/** RFC 9457 problem details, plus the `issues` some endpoints add. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  issues?: ConfigIssue[];
  [ext: string]: unknown;
}

// ---- Session & users ----

export interface SessionUser {
  username: string;
  displayName: string;
  role: Role;
  source: 'local' | 'oidc';
}

export interface SsoInfo {
  enabled: boolean;
  name?: string;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
  sso: SsoInfo;
}

export interface ConsoleUser {
  username: string;
  displayName: string;
  role: Role;
  source: 'local' | 'oidc';
  subject?: string;
  createdAt?: Instant;
  disabled?: boolean;
}

export interface AuditEntry {
  id: string | number;
  at: Instant;
  actor: string;
  role: Role | string;
  action: string;
  target: string;
  detail?: Record<string, unknown> | null;
}

// ---- Overview ----

export interface Overview {
  /** truncated: more exchanges fell in the window than the overview reads; figures cover the latest. */
  window: { from: Instant; to: Instant; bucketMs: number; truncated?: boolean };
  traffic: { t: Instant; total: number; blocked: number; errors: number }[];
  blockedByReason: { reason: string; count: number }[];
  findingsBySeverity: Record<Severity, number>;
  alertsOverTime: { t: Instant; count: number }[];
  topEndpoints: { endpoint: string; attacks: number; requests: number }[];
  /** blocked: requests of the actor Shield refused. */
  topActors: { kind: string; id: string; alerts: number; blocked: boolean | number; lastSeen?: Instant }[];
  totals: { requests: number; blocked: number; openFindings: number; openAlerts: number; endpoints: number };
}

// ---- Inventory ----

export type RiskLevel = 'critical' | 'high' | 'medium' | 'low' | 'info' | 'none';

export interface EndpointFlags {
  new: boolean;
  shadow: boolean;
  zombie: boolean;
  orphan: boolean;
}

export interface EndpointSummary {
  key: string;
  /** The API (apis[].name) the endpoint belongs to; empty when unknown. */
  host: string;
  operationId?: string;
  method: string;
  template: string;
  authMethods: string[];
  sensitive: string[];
  risk: { score: number; level: RiskLevel | string };
  flags: EndpointFlags;
  volume: number;
  errorRate: number;
  p50: number | null;
  p95: number | null;
  firstSeen: Instant | null;
  lastSeen: Instant | null;
}

export interface InventoryList {
  generatedAt: Instant;
  /** False when this Palisade keeps no live inventory (the list is then empty). */
  live?: boolean;
  endpoints: EndpointSummary[];
}

/** A learned JSON schema node (a subset of JSON Schema, plus what the learner adds). */
export interface SchemaNode {
  type?: string | string[];
  format?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  required?: string[];
  enum?: unknown[];
  sensitive?: string | string[];
  example?: unknown;
  examples?: unknown[];
  [k: string]: unknown;
}

/** A learned query parameter or header. */
export interface LearntParameter {
  name: string;
  required: boolean;
  schema: SchemaNode;
}

export interface EndpointDetail extends EndpointSummary {
  requestSchema?: SchemaNode | null;
  responses?: Record<string, { count?: number; schema?: SchemaNode | null; samples?: unknown[] }>;
  query?: LearntParameter[] | Record<string, unknown> | null;
  headers?: LearntParameter[] | Record<string, unknown> | null;
  riskReasons?: { reason: string; points: number }[];
  series?: { t: Instant[]; requests: number[]; errors: number[]; p95: (number | null)[] };
  findings?: FindingSummary[];
  alerts?: AlertRecord[];
}

// ---- Findings ----

export type FindingStatus = 'new' | 'confirmed' | 'accepted-risk' | 'false-positive' | 'fixed';
export const FINDING_STATUSES: readonly FindingStatus[] = ['new', 'confirmed', 'accepted-risk', 'false-positive', 'fixed'];
export const STATUS_LABEL: Record<string, string> = {
  new: 'New',
  confirmed: 'Confirmed',
  'accepted-risk': 'Accepted risk',
  'false-positive': 'False positive',
  fixed: 'Fixed',
};
export type FindingSource = 'scan' | 'audit' | 'watch';

export interface FindingSummary {
  id: string;
  fingerprint?: string;
  source: FindingSource;
  checkId?: string;
  title: string;
  severity: Severity;
  category?: string;
  cwe?: string | number | null;
  operation?: string | null;
  status: FindingStatus;
  statusBy?: string | null;
  statusAt?: Instant | null;
  statusNote?: string;
  firstSeenAt?: Instant;
  lastSeenAt?: Instant;
  scanId?: string | null;
  api?: string;
  /** True when "apply protection" can block it. */
  protectable?: boolean;
}

/** One side of an exchange: raw text, or a structured message. */
export type EvidenceMessage =
  | string
  | {
      method?: string;
      url?: string;
      path?: string;
      status?: number;
      headers?: Record<string, string | string[]> | [string, string][];
      body?: unknown;
      bodyExcerpt?: string;
      [k: string]: unknown;
    };

export interface FindingEvidence {
  request?: EvidenceMessage | null;
  response?: EvidenceMessage | null;
  /** The part that matched: the text itself, or where it is and what it says. */
  matched?: string | { text?: string; value?: string; location?: string; part?: string; [k: string]: unknown } | null;
  exchangeIds?: string[];
  [k: string]: unknown;
}

export type Remediation = string | { summary: string; details?: string; shieldPolicy?: string };

export interface ProtectionPreview {
  before: string;
  after: string;
  diff: string;
}

export interface FindingDetail extends FindingSummary {
  /** One item per piece of evidence (a single object is accepted too). */
  evidence?: FindingEvidence | FindingEvidence[] | null;
  remediation?: Remediation | null;
  description?: string | null;
  protection?: { available: boolean; description?: string; preview?: ProtectionPreview | null } | null;
}

export interface ConfigChange {
  id: string;
  at: Instant;
  actor: string;
  findingFingerprint?: string | null;
  findingId?: string;
  path?: string;
  summary?: string;
  diff?: string;
  before?: string;
  after?: string;
  undoneAt?: Instant | null;
  undoneBy?: string;
}

// ---- Threats ----

export interface AlertRecord {
  id: string;
  detector: string;
  title: string;
  severity: Severity;
  category?: string;
  actor: { kind: string; id: string };
  endpoint?: string;
  figures: Record<string, number>;
  sampleExchangeIds?: string[];
  remediation?: string;
  firstSeenAt: Instant;
  lastSeenAt: Instant;
  count: number;
  response?: { action: string; targets: string[]; until: Instant };
}

export interface BlockEntry {
  entry: string;
  reason?: string;
  createdBy?: string;
  createdAt?: Instant;
  expiresAt?: Instant | null;
}

export interface ThreatActor {
  kind: string;
  id: string;
  severity: Severity;
  alerts: AlertRecord[];
  firstSeen: Instant;
  lastSeen: Instant;
  blocked: boolean;
  blockEntry?: BlockEntry | string | null;
}

export interface TimelineEvent {
  t: Instant;
  type: 'exchange' | 'alert' | 'block' | string;
  summary: string;
  exchangeId?: string;
  alertId?: string;
}

// ---- Scans ----

export type ScanStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';

export interface ScanProgress {
  /** 'queued', 'importing', 'running', 'reporting', 'done'. */
  phase?: string;
  operations?: number;
  requests?: number;
  findings?: number;
  updatedAt?: Instant;
  /** Not sent today; shown when a backend reports them. */
  done?: number;
  total?: number;
  [k: string]: unknown;
}

export interface ScanSummary {
  findings?: number;
  bySeverity?: Partial<Record<Severity, number>>;
  requests?: number;
  operations?: number;
  checks?: number;
  durationMs?: number;
  notes?: string[];
  fingerprints?: string[];
  stored?: { created: number; updated: number; fixed: number };
  [k: string]: unknown;
}

export interface Scan {
  id: string;
  target: string;
  specSource?: string;
  api?: string;
  status: ScanStatus;
  startedAt?: Instant | null;
  finishedAt?: Instant | null;
  createdAt?: Instant;
  progress?: ScanProgress | null;
  summary?: ScanSummary | null;
  error?: string | null;
  startedBy?: string;
  hasReport?: boolean;
}

export interface ApiInfo {
  name: string;
  upstream?: string;
  /** The OpenAPI document's path or URL. */
  openapi?: string;
  spec?: { title?: string; operations: number; defects?: number };
  specError?: string;
  audit?: { score: number; findings: number; bySeverity?: Record<string, number> };
  scanConfig?: string;
}

// ---- Settings ----

export interface ConfigIssue {
  path?: string;
  line?: number;
  column?: number;
  message: string;
}

export interface ConfigView {
  path?: string | null;
  yaml: string;
  valid: boolean;
  issues: ConfigIssue[];
}

export interface ApiKey {
  id: string;
  /** `pal_<id>_…`, to recognise the key in a client's configuration. */
  hint?: string;
  api?: string;
  name?: string;
  scopes?: string[];
  roles?: string[];
  tenant?: string;
  status?: 'active' | 'revoked' | 'expired' | 'grace' | string;
  createdAt?: Instant;
  createdBy?: string;
  lastUsedAt?: Instant | null;
  expiresAt?: Instant | null;
  revokedAt?: Instant | null;
  graceUntil?: Instant | null;
}

export interface OAuthClient {
  clientId: string;
  name?: string;
  type?: 'confidential' | 'public';
  grantTypes?: string[];
  scopes?: string[];
  redirectUris?: string[];
  createdAt?: Instant;
}

export interface AlertSink {
  index: number;
  type: string;
  /** Where alerts go, secrets redacted. */
  destination: string;
  secretSet?: boolean;
  delivery?: { sent: number; failed: number; dropped: number };
  settings?: Record<string, unknown>;
}
