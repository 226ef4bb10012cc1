// The two WAFs the WAF benchmarks compare, set up the same way: Palisade's gateway with only the
// WAF stage, and nginx + ModSecurity v3 (Debian's libnginx-mod-http-modsecurity) with the same
// CRS, the same engine settings (RECOMMENDED_SETUP, body limits, no response body inspection) and
// the same paranoia level and anomaly thresholds. Used by bench:waf and measure:waf-compare.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PalisadeConfigInput } from 'palisade';
import { RECOMMENDED_SETUP } from 'palisade';
import { PASS_THROUGH } from './lib.js';

export const NGINX_MODULE = ['/usr/lib/nginx/modules/ngx_http_modsecurity_module.so', '/usr/share/nginx/modules/ngx_http_modsecurity_module.so'].find((f) => existsSync(f));

/** The gateway with only the WAF stage: CRS at paranoia level `pl` (0: no WAF). */
export function palisadeConfig(crs: string, pl: number, upstreamPort: number, port: number, storePath: string): PalisadeConfigInput {
  return {
    gateway: { listen: { host: '127.0.0.1', port } },
    admin: { enabled: false },
    store: { path: storePath },
    // info: the "waf rule set loaded" line carries the load time.
    log: { level: 'info' },
    apis: [{ name: 'bench', upstream: `http://127.0.0.1:${upstreamPort}` }],
    defaults: { ...PASS_THROUGH, ...(pl > 0 ? { waf: { enabled: true, crs, paranoiaLevel: pl } } : {}) },
  };
}

/**
 * ModSecurity's rules file: what Palisade's WAF stage loads for the same settings (shield/waf-rules.ts),
 * in the same order — RECOMMENDED_SETUP, the body limits, no response body access, the CRS setup
 * file, one SecAction with the paranoia levels and CRS's default thresholds, the CRS rules.
 * No audit log and no debug log: what an operator who measures runs (both only cost CPU here).
 */
export function modsecRules(dir: string, crs: string, pl: number): string {
  const file = join(dir, `modsec-pl${pl}.conf`);
  const setup = existsSync(join(crs, 'crs-setup.conf')) ? join(crs, 'crs-setup.conf') : join(crs, 'crs-setup.conf.example');
  writeFileSync(
    file,
    [
      RECOMMENDED_SETUP,
      'SecRequestBodyLimit 1048576',
      'SecRequestBodyNoFilesLimit 1048576',
      'SecRequestBodyLimitAction Reject',
      'SecResponseBodyAccess Off',
      'SecAuditEngine Off',
      'SecDebugLogLevel 0',
      `Include ${setup}`,
      `SecAction "id:19000001,phase:1,pass,nolog,noauditlog,t:none,setvar:'tx.blocking_paranoia_level=${pl}',setvar:'tx.detection_paranoia_level=${pl}',setvar:'tx.inbound_anomaly_score_threshold=5',setvar:'tx.outbound_anomaly_score_threshold=4'"`,
      `Include ${crs}/rules/*.conf`,
    ].join('\n'),
  );
  return file;
}

/**
 * nginx as an operator runs it in front of one upstream: one worker (the gateway also gets one
 * core), no access log, keep-alive to the upstream, ModSecurity on for the server with the
 * transaction id taken from nginx's own $request_id (as one would, to find a request in both
 * logs; it also spares libmodsecurity generating one per request).
 */
export function nginxConfig(dir: string, id: string, pl: number, crs: string, port: number, upstreamPort: number): string {
  const file = join(dir, `nginx-${id}.conf`);
  for (const d of ['cb', 'px', 'fc', 'uw', 'sc']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(
    file,
    `${pl > 0 ? `load_module ${NGINX_MODULE};\n` : ''}` +
      `worker_processes 1;\nmaster_process off;\ndaemon off;\npid ${join(dir, `nginx-${id}.pid`)};\nerror_log ${join(dir, `nginx-${id}.log`)} warn;\n` +
      `events { worker_connections 4096; }\n` +
      `http {\n  access_log off;\n  client_body_temp_path ${join(dir, 'cb')};\n  proxy_temp_path ${join(dir, 'px')};\n  fastcgi_temp_path ${join(dir, 'fc')};\n  uwsgi_temp_path ${join(dir, 'uw')};\n  scgi_temp_path ${join(dir, 'sc')};\n` +
      // Bodies up to the WAF's limit stay in memory, as in the gateway (nginx's default spills past 16 KiB).
      `  client_max_body_size 2m;\n  client_body_buffer_size 1m;\n` +
      `  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 64; }\n` +
      `  server {\n    listen 127.0.0.1:${port};\n` +
      (pl > 0 ? `    modsecurity on;\n    modsecurity_transaction_id "$request_id";\n    modsecurity_rules_file ${modsecRules(dir, crs, pl)};\n` : '') +
      `    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }\n  }\n}\n`,
  );
  return file;
}
