// The WAF stage: drives the SecLang engine (OWASP CRS) through the exchange. Phase 1 (request
// headers) runs in the head stage; phase 2 (body) in a body inspector, so a blocked body never
// reaches the upstream whole; phases 3/4 on the upstream's response; phase 5 and the audit log
// once the response is sent. Blocked requests get a `waf-blocked` problem with the request id and
// nothing about the rule; the rules and scores go into the exchange record (outcome `waf`).
import type { Socket } from 'node:net';
import type { StageOutcome, Verdict, WafOutcome } from '../../core/index.js';
import { CONTINUE } from '../../core/index.js';
import type { Interruption, MatchedRule, Transaction } from '../../waf/index.js';
import type { BodyInspector, RequestContext, ResponseHead, Stage } from '../stage.js';
import type { RouteWaf } from '../waf-rules.js';

const MAX_RECORDED = 20;
const MAX_DATA = 64;
const REDACTED = '[redacted]';
const BLOCKED_DETAIL = 'The request was refused by the web application firewall.';
const RESPONSE_BLOCKED_DETAIL = "The upstream's response was withheld by the web application firewall.";

interface TxState {
  readonly tx: Transaction;
  /** Phase 2 has run: the request went (or goes) upstream, so response phases apply. */
  requestDone: boolean;
  /** The response phases ran (or were settled). */
  responseDone: boolean;
}

export function createWafStage(rw: RouteWaf | null): Stage | null {
  if (!rw) return null;
  const states = new WeakMap<RequestContext, TxState>();
  const { engine, profile, mode } = rw;

  const verdictFor = (i: Interruption, response: boolean): Verdict => {
    if (i.action === 'redirect' && i.url !== undefined && !response) {
      return { kind: 'respond', status: i.status, headers: { location: i.url, 'content-type': 'text/plain' }, body: '', rule: String(i.ruleId) };
    }
    // A body over the WAF's limit (rule 0) is a size problem, not an attack: say so.
    if (i.ruleId === 0 && i.status === 413) return { kind: 'deny', code: 'body-too-large', status: 413, detail: `The request body exceeds ${rw.settings.requestBodyLimit} bytes.`, rule: 'waf:body-limit' };
    const status = i.status >= 400 && i.status <= 599 ? i.status : 403;
    return {
      kind: 'deny',
      code: 'waf-blocked',
      status,
      detail: response ? RESPONSE_BLOCKED_DETAIL : BLOCKED_DETAIL,
      rule: String(i.ruleId),
      // `drop` asks for the connection to go: closing it after the answer is the closest a proxy can do politely.
      ...(i.action === 'drop' ? { headers: { connection: 'close' } } : {}),
    };
  };

  const stage: Stage = {
    name: 'waf',
    maxBufferBytes: rw.settings.responseBodyLimit,

    request(ctx) {
      const req = ctx.req;
      // Absent under some middleware test harnesses; the engine then reports port 0.
      const sock = req.socket as Socket | undefined;
      const tx = engine.newTransaction({
        clientIp: ctx.clientIp,
        id: ctx.requestId,
        ...(sock?.remotePort !== undefined ? { clientPort: sock.remotePort } : {}),
        ...(sock?.localAddress !== undefined ? { serverIp: sock.localAddress } : {}),
        ...(sock?.localPort !== undefined ? { serverPort: sock.localPort } : {}),
      });
      if (profile !== undefined) tx.tx.set('palisade_profile', String(profile));
      const raw = req.rawHeaders;
      const headers: [string, string][] = [];
      // Node decodes header bytes as latin1, which is the engine's byte-string form (decision 0016).
      for (let i = 0; i < raw.length; i += 2) headers.push([raw[i]!, raw[i + 1]!]);
      const state: TxState = { tx, requestDone: false, responseDone: false };
      states.set(ctx, state);
      let i = tx.processRequestHeaders({ method: ctx.method, uri: ctx.url, protocol: `HTTP/${req.httpVersion ?? '1.1'}`, headers });
      if (i) return verdictFor(i, false);
      // The same test as the gateway's: without a body there is no inspector, so phase 2 runs now
      // (most CRS rules are phase 2, on the query string's arguments too).
      const cl = req.headers['content-length'];
      const hasBody = req.headers['transfer-encoding'] !== undefined || (cl !== undefined && cl !== '0');
      if (!hasBody) {
        i = tx.processRequestBody();
        state.requestDone = true;
        if (i) return verdictFor(i, false);
      }
      return CONTINUE;
    },

    requestBody(ctx): BodyInspector | undefined {
      const state = states.get(ctx);
      if (!state || state.requestDone) return undefined;
      const { tx } = state;
      return {
        push(chunk) {
          // Past the limit the engine keeps what it may inspect; what happens then is phase 2's call.
          tx.appendRequestBody(chunk);
          return undefined;
        },
        end() {
          const i = tx.processRequestBody();
          state.requestDone = true;
          return i ? verdictFor(i, false) : undefined;
        },
      };
    },

    responseHead(ctx, head, fromUpstream): 'buffer' | undefined {
      const state = states.get(ctx);
      if (!state) return undefined;
      // Shield's own answers (a denial, this stage's included, or a 502/504 after the request
      // passed) are not the upstream's: the response phases do not judge them (CRS would score
      // Shield's 502 as an application error); phase 5 still runs in done().
      if (fromUpstream === false) {
        state.responseDone = true;
        return undefined;
      }
      if (!state.requestDone || state.responseDone || state.tx.interruption) return undefined;
      const { tx } = state;
      const i = tx.processResponseHeaders({ status: head.status, protocol: 'HTTP/1.1', headers: headerPairs(head) });
      if (i) return 'buffer'; // replaced in responseBody, the only hook that may replace a response
      if (tx.inspectsResponseBody) return 'buffer';
      // Not inspected: the body streams; phase 4 still runs (outbound scoring, header-based rules).
      state.responseDone = true;
      tx.processResponseBody();
      return tx.interruption ? 'buffer' : undefined;
    },

    responseBody(ctx, _head, body): Verdict | undefined {
      const state = states.get(ctx);
      if (!state) return undefined;
      const { tx } = state;
      if (!state.responseDone) {
        state.responseDone = true;
        if (!tx.interruption) {
          // A truncated body is inspected on its first responseBodyLimit bytes (ProcessPartial).
          tx.appendResponseBody(body);
          tx.processResponseBody();
        }
      }
      return tx.interruption ? verdictFor(tx.interruption, true) : undefined;
    },

    done(ctx) {
      const state = states.get(ctx);
      if (!state) return;
      states.delete(ctx);
      const { tx } = state;
      tx.processLogging();
      rw.audit?.log(tx);
      const outcome = wafOutcome(tx, mode, rw.redactFields, rw.redactHeaders);
      if (!outcome) return;
      // The denial (request or response) is already noted by the pipeline: the details go with it.
      const noted = findOutcome(ctx.outcomes);
      if (noted) noted.waf = outcome;
      else ctx.outcomes.push({ stage: 'waf', outcome: 'report', code: 'waf-match', ...(outcome.attacks[0] ? { rule: outcome.attacks[0] } : {}), waf: outcome });
    },
  };
  return stage;
}

function findOutcome(outcomes: StageOutcome[]): StageOutcome | undefined {
  for (let i = outcomes.length - 1; i >= 0; i--) if (outcomes[i]!.stage === 'waf') return outcomes[i];
  return undefined;
}

function headerPairs(head: ResponseHead): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(head.headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push([k, x]);
    else out.push([k, v]);
  }
  return out;
}

/** The compact, redacted record of what matched; undefined when nothing logged and nothing interrupted. */
export function wafOutcome(tx: Transaction, mode: 'blocking' | 'detection-only', fields: ReadonlySet<string>, headers: ReadonlySet<string>): WafOutcome | undefined {
  const logged = tx.matchedRules.filter((r) => r.log || r.disruptive);
  const i = tx.interruption;
  if (logged.length === 0 && !i) return undefined;
  const attacks = new Set<string>();
  for (const r of logged) for (const t of r.tags) if (t.startsWith('attack-') && attacks.size < 16) attacks.add(t);
  return {
    mode,
    inboundScore: tx.txNumber('blocking_inbound_anomaly_score'),
    outboundScore: tx.txNumber('blocking_outbound_anomaly_score'),
    ...(i ? { interruptedBy: i.ruleId } : {}),
    attacks: [...attacks],
    matched: logged.slice(0, MAX_RECORDED).map((r) => ({
      id: r.id,
      phase: r.phase,
      msg: r.msg.slice(0, 200),
      ...(r.severity !== undefined ? { severity: r.severity } : {}),
      tags: r.tags.slice(0, 12),
      variable: r.matchedVar.slice(0, 128),
      data: matchedData(r, fields, headers),
    })),
  };
}

function matchedData(r: MatchedRule, fields: ReadonlySet<string>, headers: ReadonlySet<string>): string {
  const name = r.matchedVar;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    const coll = name.slice(0, colon);
    const key = name.slice(colon + 1).toLowerCase();
    if (coll.endsWith('HEADERS')) {
      if (headers.has(key)) return REDACTED;
    } else if (fields.has(key) || fields.has(key.slice(key.lastIndexOf('.') + 1))) return REDACTED;
  }
  const d = r.matchedData;
  return d.length > MAX_DATA ? `${d.slice(0, MAX_DATA)}…` : d;
}
