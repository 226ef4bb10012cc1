// Older API versions still answering: the spec documents /v2 but /v1 (retired, unmaintained,
// often without the newer checks) still serves data.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { normKey } from '../explore.js';
import { isRealPage, notFoundShape } from './inventory-common.js';
import { jsonOf, randomToken } from './util.js';

const MAX_CANDIDATES = 60;

function singular(s: string): string {
  return s.endsWith('ies') ? `${s.slice(0, -3)}y` : s.replace(/s$/, '');
}

export const oldVersions: Check = {
  id: 'PAL-SCAN-INV-002',
  title: 'An older API version still answers',
  category: 'API9:2023',
  cwe: 1059,
  severity: 'high',
  description: `When the spec's paths carry a version segment (/v2/), the same paths with each older version (/v1/...) are requested without credentials: the documented paths, and each resource collection with ids seen while exploring (/v1/users/1). At most ${MAX_CANDIDATES} requests. Reported per older version when a path answers 2xx with JSON while the same path under a nonsense version (/v999/) does not, twice.`,
  remediation: { summary: 'Retire old versions: remove them, or route them through the same authentication and authorization as the current one; keep an inventory of what is deployed.', shieldPolicy: 'contract strict mode (undocumented paths refused) and versions (retired versions answered 410)' },
  async run(ctx) {
    const versioned = ctx.model.operations.map((o) => ({ op: o, m: /^(.*?\/)v(\d+)(\/.*)$/.exec(o.path) })).filter((x) => x.m);
    if (versioned.length === 0) return;
    const candidates = new Map<string, Set<string>>();
    const add = (prefix: string, version: number, rest: string) => {
      const key = `${prefix}v${version}`;
      let s = candidates.get(key);
      if (!s) candidates.set(key, (s = new Set()));
      s.add(rest);
    };
    for (const { op, m } of versioned) {
      const [, prefix, vText, rest] = m!;
      const v = Number(vText);
      if (op.method !== 'GET') continue;
      for (let old = v - 1; old >= 1 && old >= v - 3; old--) {
        const segs = rest!.split('/').filter(Boolean);
        const filled = segs.map((sg) => (sg.startsWith('{') ? ctx.explore.seen(sg.slice(1, -1))[0] ?? '1' : sg));
        add(prefix!, old, `/${filled.join('/')}`);
        const res = segs[0];
        if (res && !res.startsWith('{')) for (const id of ctx.explore.seen(normKey(`${singular(res)}id`)).slice(0, 2)) add(prefix!, old, `/${res}/${id}`);
      }
    }
    let sent = 0;
    for (const [versionPrefix, rests] of candidates) {
      const pre = versionPrefix.replace(/v\d+$/, '');
      for (const rest of rests) {
        if (sent++ >= MAX_CANDIDATES) return;
        const r = await ctx.sendRaw({ method: 'GET', url: `${versionPrefix}${rest}` });
        if (jsonOf(r) === undefined) continue;
        const control = await ctx.sendRaw({ method: 'GET', url: `${pre}v999${rest}` });
        const nf = await notFoundShape(ctx, `${pre}v999`);
        if (!isRealPage(r, control) || !isRealPage(r, nf)) continue;
        const again = await ctx.sendRaw({ method: 'GET', url: `${versionPrefix}${rest}?_=${randomToken()}` });
        if (again.status !== r.status) continue;
        ctx.report({ operation: { method: 'GET', path: `${versionPrefix}${rest.replace(/\/\d+(?=\/|$)/g, '/{id}')}` }, confidence: 'confirmed', parts: [versionPrefix], description: `${versionPrefix} is not in the contract, yet GET ${versionPrefix}${rest} answers ${r.status} with data, without credentials.`, evidence: [evidenceOf(r, `retired version answers ${r.status}`), evidenceOf(control, 'the same path under /v999/')] });
        break;
      }
    }
  },
};
