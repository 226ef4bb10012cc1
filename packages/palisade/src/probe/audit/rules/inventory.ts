// Inventory: versions, deprecation, operation ids, and other APIs hiding in the document.
import type { AuditRule, Occurrence } from '../rule.js';
import { occurrence } from '../rule.js';
import { childLoc } from '../source.js';

const VERSION_SEGMENT = /\/v\d+(\.\d+)?([a-z]+\d*)?(\/|$)/i;
/** Operational endpoints that conventionally live outside the versioned API. */
const OPERATIONAL = /^\/(api\/)?(health|healthz|livez|readyz|ready|live|ping|status|metrics|version|\.well-known)(\/|$)/i;

export const inventoryRules: AuditRule[] = [
  {
    id: 'PAL-AUDIT-047',
    title: 'No API version in paths or servers',
    severity: 'low',
    category: 'API9:2023',
    cwe: 1059,
    confidence: 'firm',
    description: 'Neither the paths nor the server URLs carry a version (/v1, /v2). Incompatible changes then replace the API in place, or old and new versions end up side by side without a way to tell, retire or protect the old one.',
    remediation: 'Put the major version in the server URL or the path (/api/v2), document it in info.version, and retire old versions on a schedule.',
    shieldPolicy: `defaults:
  contract:
    enabled: true
    strict: true   # undocumented paths (an old /v1 left running) are refused`,
    check: (m) => {
      if (m.operations.length === 0) return [];
      if (m.servers.some((s) => VERSION_SEGMENT.test(s.url)) || m.operations.every((op) => VERSION_SEGMENT.test(op.path) || OPERATIONAL.test(op.path))) return [];
      if (m.version === '2.0' && typeof m.doc.value.basePath === 'string' && VERSION_SEGMENT.test(m.doc.value.basePath)) return [];
      const versioned = m.operations.filter((op) => VERSION_SEGMENT.test(op.path));
      const loose = m.operations.filter((op) => !VERSION_SEGMENT.test(op.path) && !OPERATIONAL.test(op.path));
      if (versioned.length > 0) return loose.map((op) => occurrence(m, childLoc(m.doc.loc, 'paths', op.path), `path:${op.path}`, `${op.path} is outside the versioned paths`, [op]));
      return [{ loc: childLoc(m.doc.loc, 'paths'), key: 'document', message: 'no /vN segment in any path or server URL', affects: m.operations }];
    },
  },
  {
    id: 'PAL-AUDIT-048',
    title: 'Deprecated operation without a sunset date',
    severity: 'low',
    category: 'API9:2023',
    cwe: 1059,
    confidence: 'firm',
    description: 'The operation is deprecated but says nothing about when it goes away (x-sunset, RFC 8594 Sunset): deprecated endpoints that stay forever become unmaintained, unmonitored attack surface.',
    remediation: 'Add x-sunset with the retirement date (and send Sunset / Deprecation headers), then remove the operation on that date.',
    check: (m) => m.operations.filter((op) => op.deprecated && op.node.value['x-sunset'] === undefined && op.node.value['x-sunset-date'] === undefined).map((op) => occurrence(m, childLoc(op.node.loc, 'deprecated'), 'deprecated', `${op.method} ${op.path} is deprecated with no x-sunset`)),
  },
  {
    id: 'PAL-AUDIT-049',
    title: 'Duplicate operationId',
    severity: 'medium',
    category: 'API9:2023',
    cwe: 1059,
    confidence: 'firm',
    description: 'Two operations share an operationId. Code generators, gateways and policies that select operations by id (Shield authorization rules, rate limits) then apply to the wrong one, silently.',
    remediation: 'Give every operation a unique operationId.',
    check: (m) => {
      const by = new Map<string, typeof m.operations>();
      for (const op of m.operations) if (op.operationId) by.set(op.operationId, [...(by.get(op.operationId) ?? []), op]);
      const out: Occurrence[] = [];
      for (const [id, ops] of by) if (ops.length > 1) for (const op of ops.slice(1)) out.push(occurrence(m, childLoc(op.node.loc, 'operationId'), `operationId:${id}`, `operationId "${id}" is also used by ${ops[0]!.method} ${ops[0]!.path}`));
      return out;
    },
  },
  {
    id: 'PAL-AUDIT-050',
    title: 'Operation without operationId',
    severity: 'low',
    category: 'API9:2023',
    cwe: 1059,
    confidence: 'firm',
    description: 'Without an operationId an operation cannot be named stably in policies, monitoring and generated clients; renaming its path silently detaches every rule that referred to it.',
    remediation: 'Give every operation a unique, stable operationId.',
    check: (m) => m.operations.filter((op) => !op.operationId).map((op) => occurrence(m, op.node.loc, 'no-operation-id', `${op.method} ${op.path} has no operationId`)),
  },
  {
    id: 'PAL-AUDIT-051',
    title: 'GraphQL or SOAP endpoint inside a REST document',
    severity: 'low',
    category: 'API9:2023',
    cwe: 1059,
    confidence: 'tentative',
    description: 'The operation is a GraphQL or SOAP endpoint documented as one REST operation: its real surface (queries, mutations, introspection, SOAP actions) is invisible to the document, to contract validation and to REST scanners.',
    remediation: 'Document the endpoint with its own schema (GraphQL SDL with depth and cost limits and introspection off in production; WSDL for SOAP) and test it with tools for that protocol.',
    shieldPolicy: `defaults:
  soap:
    enabled: true
    wsdl: service.wsdl   # only the SOAP operations of the WSDL are let through`,
    check: (m) => {
      const out: Occurrence[] = [];
      for (const op of m.operations) {
        const types = op.requestBody.map((b) => b.contentType.toLowerCase());
        const soapAction = op.parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'soapaction');
        const kind = /(^|\/)graphql(\/|$)|\/gql(\/|$)/i.test(op.path) || types.includes('application/graphql') || types.includes('application/graphql-response+json')
          ? 'GraphQL'
          : /(^|\/)(soap|ws|services?)(\/|$)|\.(asmx|svc|wsdl)$/i.test(op.path) || types.some((t) => t.startsWith('application/soap+xml')) || soapAction
            ? 'SOAP'
            : undefined;
        if (kind === 'SOAP' && !soapAction && !types.some((t) => t.includes('xml')) && !/soap|\.asmx|\.svc|\.wsdl/i.test(op.path)) continue;
        if (kind) out.push(occurrence(m, op.node.loc, `${kind}`, `${op.method} ${op.path} looks like a ${kind} endpoint`));
      }
      return out;
    },
  },
];
