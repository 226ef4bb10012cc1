// The scanner's view of an API, whatever the input was (OpenAPI 3.x, Swagger 2.0, HAR, Postman):
// operations with their parameters and schemas already dereferenced, plus every defect met while
// importing. Each input format is one file of this folder that produces an ApiModel.
import type { ImportDefect } from '../report.js';

/** A JSON Schema node after $ref resolution (cycles cut to `{}`). */
export type Schema = Record<string, unknown>;

export interface ScanParam {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema?: Schema;
  example?: unknown;
}

export interface ScanBody {
  contentType: string;
  required: boolean;
  schema?: Schema;
  example?: unknown;
}

export interface ScanOperation {
  method: string;
  /** Path template as in the spec, e.g. /orders/{orderId}. */
  path: string;
  operationId?: string;
  tags: string[];
  summary?: string;
  description?: string;
  params: ScanParam[];
  body?: ScanBody;
  /** Response schemas by status code ('200', '2XX', 'default'). */
  responses: Record<string, { schema?: Schema; contentType?: string }>;
  /** Whether the contract says the operation needs credentials ('unknown': nothing declared). */
  security: 'required' | 'none' | 'unknown';
  /** OAuth scopes named by the security requirements. */
  scopes: string[];
  /** Roles from `x-palisade-roles`. */
  roles: string[];
  exercisable: boolean;
  reason?: string;
  /** JSON pointer of the operation in the input. */
  pointer: string;
  /** Request seen in traffic (HAR, Postman): used as the example request. */
  recorded?: { query?: Record<string, string>; headers?: Record<string, string>; body?: string; pathValues?: Record<string, string> };
  /** A GraphQL field: every one shares the endpoint's path, so checks tell them apart by this. */
  graphql?: {
    kind: 'query' | 'mutation';
    field: string;
    /**
     * Fields that lead from the field's type back to it (Note.author → User.notes → Note), when the
     * schema is recursive there: repeating them builds a query as deep as wanted (depth abuse).
     */
    cycle?: string[];
  };
  /** A SOAP operation: the action its binding declares and the element its Body carries. */
  soap?: { action: string; element: string; namespace: string; version: '1.1' | '1.2' };
}

export type InputFormat = 'openapi-3.0' | 'openapi-3.1' | 'swagger-2.0' | 'har' | 'postman-2.1' | 'graphql' | 'wsdl-1.1';

export interface ApiModel {
  source: string;
  format: InputFormat;
  title?: string;
  /** Base URLs from the input, resolved; the first is used unless --target overrides. */
  servers: string[];
  operations: ScanOperation[];
  defects: ImportDefect[];
}

/** Limits of every importer: a hostile or broken input must not exhaust memory or loop. */
export const IMPORT_LIMITS = {
  maxBytes: 16 * 1024 * 1024,
  maxOperations: 5000,
  maxRefDepth: 64,
  maxAliasCount: 10_000,
  fetchTimeoutMs: 15_000,
} as const;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
