// The palisade package's programmatic face.
export * from './core/index.js';
export { Gateway, startShield, createRedactor, REQUEST_ORDER, RESPONSE_ORDER, safeFetch, SafeFetchError, checkUrl, checkDestination, classifyAddress } from './shield/index.js';
export type { SafeFetchOptions, SafeResponse, DestinationPolicy, AddressClass } from './shield/index.js';
export type { RunningShield, ShieldHostOptions, BlockControl, RateLimitControl, RateOverride, AdminExtension, ObservedExchange } from './shield/index.js';
export { openStore } from './store/index.js';
export { loadWaf, warmWaf, WafEngine, WafRuleError, RECOMMENDED_SETUP, auditRecord, createAuditLogger, OPERATORS, TRANSFORMATIONS } from './waf/index.js';
export type { Interruption, MatchedRule, RequestLine, ResponseHead, ConnectionInfo, RuleSource, AuditRecord, WafConfig, OperatorFactory, Transformation } from './waf/index.js';
export { Inventory, StoreFollower, discover, buildReport, renderMarkdown, exportOpenApi, diffAgainstSpec, loadSpec, readAccessLog, readHar, loadOverrides, saveOverrides } from './watch/index.js';
export type { InventoryOptions, InventoryReport, EndpointReport, DiscoverOptions, DiscoverResult, TemplateOverride, SpecDiff } from './watch/index.js';
export { runScan, loadScanConfig, parseScanConfig, importApi, importApiText, SCAN_CHECKS } from './probe/index.js';
export type { ScanOptions, ScanResult, ScanConfig, ApiModel, Check, ProbeReport, ReportedFinding, CoverageRow, ImportDefect } from './probe/index.js';
export { WatchRuntime, createWatchRuntime, DetectionEngine, AlertManager, DETECTOR_IDS, verifySignature, signatureHeader } from './watch/index.js';
export type { WatchStats, Detection, DetectorKey } from './watch/index.js';
