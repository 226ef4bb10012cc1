// SOAPAction spoofing: the SOAPAction header (or the SOAP 1.2 action parameter) names one
// operation while the Body carries another. A server that dispatches on the Body and ignores the
// action, behind a gateway or policy that authorises on the action, runs an operation the policy
// never saw. Reported when the mismatched request gets exactly the Body operation's own answer.
import type { Check } from '../check.js';
import type { ScanOperation } from '../import/index.js';
import type { ScanRequest, ScanResponse } from '../runner.js';
import { evidenceOf } from '../runner.js';
import { bodySignature, ok, opRef, sameResponse, sessionOf, successes } from './util.js';

function withAction(req: ScanRequest, op: ScanOperation, action: string): ScanRequest {
  const headers = { ...(req.headers ?? {}) };
  if (op.soap?.version === '1.2') headers['content-type'] = (headers['content-type'] ?? 'application/soap+xml').replace(/;\s*action="[^"]*"/i, '') + `; action="${action}"`;
  else headers.soapaction = `"${action}"`;
  for (const k of Object.keys(headers)) if (k !== 'soapaction' && k.toLowerCase() === 'soapaction') delete headers[k];
  return { ...req, headers };
}

export const soapActionSpoofing: Check = {
  id: 'PAL-SCAN-SOAP-001',
  title: 'SOAPAction spoofing: the action names one operation, the body runs another',
  category: 'API8:2023',
  cwe: 436,
  severity: 'medium',
  description: 'For SOAP operations (imported from a WSDL) that succeeded while exploring, the request is sent again with the SOAPAction header (SOAP 1.1) or the action parameter (SOAP 1.2) of another operation of the same endpoint, whose own answer differs. Reported when the mismatched request is answered exactly like the body\'s operation, twice: the server ignores the action, so access rules or gateways keyed on it can be bypassed.',
  remediation: { summary: 'Dispatch on one thing: refuse a request whose SOAPAction (or wsa:Action) does not name the operation its Body carries.', shieldPolicy: 'validate: XML/SOAP stage (SOAPAction must match the Body operation from the WSDL)' },
  async run(ctx) {
    const soapOps = ctx.operations.filter((o) => o.soap && o.soap.action !== '');
    for (const o of successes(ctx, (x) => x.op.soap !== undefined && x.op.soap.action !== '')) {
      const other = soapOps.find((x) => x !== o.op && x.path === o.op.path && x.soap!.action !== o.op.soap!.action && x.soap!.element !== o.op.soap!.element);
      if (!other) continue;
      ctx.tested(o.op);
      const s = sessionOf(ctx, o.identity);
      const own: ScanResponse = await ctx.send(o.request, s);
      if (!ok(own)) continue;
      const otherObs = successes(ctx, (x) => x.op === other)[0];
      if (otherObs && bodySignature(otherObs.response) === bodySignature(own)) continue;
      const spoofed = withAction(o.request, o.op, other.soap!.action);
      const r = await ctx.send(spoofed, s);
      if (!ok(r) || !sameResponse(r, own)) continue;
      const again = await ctx.send(spoofed, s);
      if (!sameResponse(again, own)) continue;
      ctx.report({ operation: opRef(o.op), confidence: 'confirmed', parts: [o.op.operationId ?? '', 'action'], description: `A request whose action names ${other.operationId} ("${other.soap!.action}") while its Body carries ${o.op.soap!.element} runs ${o.op.operationId}: the action is not checked against the Body.`, evidence: [evidenceOf(r, `action "${other.soap!.action}" with the body of ${o.op.operationId} accepted`), evidenceOf(own, 'the operation\'s own answer')] });
      break;
    }
  },
};
