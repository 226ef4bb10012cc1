// Endpoint templating: concrete paths (/users/1234/orders/9f8c...) become templates
// (/users/{userId}/orders/{orderId}). A trie of path segments: identifier-like segments (tokens.ts)
// go to a parameter child at once; vocabulary stays literal; undecided strings stay literal until
// one parent has seen too many distinct ones, then they merge into a parameter. Users may pin a
// position either way (overrides). Memory is bounded: caps on nodes, children and depth.
import { classifySegment, type TokenClass } from './tokens.js';
import { isVersion, singular } from './words.js';

export interface TemplaterLimits {
  /** Distinct undecided (non-word) values under one parent before they become a parameter. */
  genericSiblings: number;
  /** ...and when the parent already has a parameter child (its siblings are likely identifiers too). */
  genericSiblingsBesideParam: number;
  /** Distinct vocabulary values under one parent before they become a parameter (/tags/red, /tags/blue...). */
  wordSiblings: number;
  /** Path segments considered; deeper ones fold into the last parameter. */
  maxDepth: number;
  /** Trie nodes in all; past it, every undecided segment is a parameter. */
  maxNodes: number;
}

export const DEFAULT_TEMPLATER_LIMITS: TemplaterLimits = {
  genericSiblings: 10,
  genericSiblingsBesideParam: 3,
  wordSiblings: 60,
  maxDepth: 24,
  maxNodes: 100_000,
};

/** A user's correction, remembered: `merge` makes the last {param} of the template a parameter; `split` makes it literal again. */
export interface TemplateOverride {
  action: 'split' | 'merge';
  template: string;
  /** Epoch ms; informative. */
  at?: number;
}

export type ParamClass = TokenClass | 'string';

interface Param {
  node: TrieNode;
  name: string;
  classes: Set<ParamClass>;
}

class TrieNode {
  literals = new Map<string, TrieNode>();
  /** Literal children that are undecided strings rather than words. */
  generic = new Set<string>();
  words = 0;
  param: Param | undefined;
  /** Set when the undecided siblings merged: later ones go to the parameter directly. */
  genericMerged = false;
  pin: 'literal' | 'param' | undefined;
  pinName: string | undefined;
  /** Plain-date segments kept literal as API versions at this position (/2024-01-01/charges). */
  dateVersions: Set<string> | undefined;
  constructor(readonly depth: number) {}
}

export interface TemplateResult {
  template: string;
  /** Path parameters by name: the class of identifier and the concrete value seen. */
  params: Array<{ name: string; cls: ParamClass; value: string }>;
  /** True when this path merged siblings into a parameter: templates handed out before may have changed. */
  merged: boolean;
}

function decode(seg: string): string {
  if (!seg.includes('%')) return seg;
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

function camel(word: string): string {
  return word.replace(/[-_.]+([a-z0-9])/gi, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}

/** The parameter name from the literal before it: users → userId, shipping-quotes → shippingQuoteId. */
export function paramNameFor(prevLiteral: string | undefined, cls: ParamClass): string {
  if (cls === 'email') return 'email';
  if (cls === 'date' || cls === 'timestamp') return prevLiteral && !isVersion(prevLiteral) ? `${camel(singular(prevLiteral))}Date` : 'date';
  if (!prevLiteral || isVersion(prevLiteral) || prevLiteral.length > 40) return 'id';
  const base = camel(singular(prevLiteral.toLowerCase()));
  return base ? `${base}Id` : 'id';
}

export function splitPath(path: string): string[] {
  const q = path.indexOf('?');
  const p = q >= 0 ? path.slice(0, q) : path;
  const segs = p.split('/');
  // Leading '' from the leading slash; empty segments (//, trailing /) carry no meaning.
  const out: string[] = [];
  for (const s of segs) if (s !== '') out.push(s);
  return out;
}

export class Templater {
  private readonly root = new TrieNode(0);
  private nodes = 1;
  private readonly overrides: TemplateOverride[] = [];
  readonly limits: TemplaterLimits;

  constructor(limits: Partial<TemplaterLimits> = {}) {
    this.limits = { ...DEFAULT_TEMPLATER_LIMITS, ...limits };
  }

  get nodeCount(): number {
    return this.nodes;
  }

  /** Templates a concrete path (query string ignored) and learns from it. */
  template(path: string): TemplateResult {
    const segs = splitPath(path);
    let node = this.root;
    let prevLiteral: string | undefined;
    let out = '';
    const params: TemplateResult['params'] = [];
    let merged = false;
    const used = new Set<string>();
    const n = Math.min(segs.length, this.limits.maxDepth);
    for (let i = 0; i < n; i++) {
      const raw = segs[i]!;
      // Past maxDepth the rest of the path is one value: the last segment taken absorbs it.
      const value = i === n - 1 && segs.length > n ? segs.slice(i).join('/') : raw;
      const seg = decode(value);
      const step = this.step(node, seg, value, prevLiteral, i === n - 1 && segs.length > n);
      if (step.merged) merged = true;
      if (step.param) {
        const p = step.param;
        let name = p.name;
        if (used.has(name)) {
          let k = 2;
          while (used.has(`${name}${k}`)) k++;
          name = `${name}${k}`;
        }
        used.add(name);
        params.push({ name, cls: step.cls!, value: seg });
        out += `/{${name}}`;
        node = p.node;
        prevLiteral = undefined;
      } else {
        out += `/${value}`;
        node = step.node!;
        prevLiteral = seg;
      }
    }
    return { template: out || '/', params, merged };
  }

  private newNode(depth: number): TrieNode {
    this.nodes++;
    return new TrieNode(depth);
  }

  private paramChild(node: TrieNode, prevLiteral: string | undefined, cls: ParamClass): Param {
    if (!node.param) node.param = { node: this.newNode(node.depth + 1), name: node.pinName ?? paramNameFor(prevLiteral, cls), classes: new Set() };
    node.param.classes.add(cls);
    return node.param;
  }

  private literalChild(node: TrieNode, value: string): TrieNode {
    let c = node.literals.get(value);
    if (!c) node.literals.set(value, (c = this.newNode(node.depth + 1)));
    return c;
  }

  private step(
    node: TrieNode,
    seg: string,
    value: string,
    prevLiteral: string | undefined,
    rest: boolean,
  ): { node?: TrieNode; param?: Param; cls?: ParamClass; merged?: boolean } {
    // A split position stays literal, up to the node budget: past it, a parameter after all.
    if (node.pin === 'literal' && !rest && (node.literals.has(value) || this.nodes < this.limits.maxNodes)) return { node: this.literalChild(node, value) };
    const existing = node.literals.get(value);
    if (node.pin === 'param' || rest) {
      const cls: ParamClass = rest ? 'string' : classOrString(seg);
      return { param: this.paramChild(node, prevLiteral, cls), cls };
    }
    const k = classifySegment(seg);
    if (k.kind === 'token') {
      if (k.cls === 'date' && this.isDateVersion(node, seg)) return { node: this.literalChild(node, value) };
      return { param: this.paramChild(node, prevLiteral, k.cls), cls: k.cls };
    }
    if (existing) return { node: existing };
    if (k.kind === 'word') {
      if (node.words >= this.limits.wordSiblings || this.nodes >= this.limits.maxNodes) return { param: this.paramChild(node, prevLiteral, 'string'), cls: 'string' };
      node.words++;
      return { node: this.literalChild(node, value) };
    }
    // An undecided string.
    if (node.genericMerged || this.nodes >= this.limits.maxNodes) return { param: this.paramChild(node, prevLiteral, 'string'), cls: 'string' };
    const limit = node.param ? this.limits.genericSiblingsBesideParam : this.limits.genericSiblings;
    if (node.generic.size + 1 > limit) {
      this.mergeGeneric(node, prevLiteral);
      return { param: this.paramChild(node, prevLiteral, 'string'), cls: 'string', merged: true };
    }
    node.generic.add(value);
    return { node: this.literalChild(node, value) };
  }

  private isDateVersion(node: TrieNode, seg: string): boolean {
    // A plain date near the root with few siblings is an API version (Stripe-style /2024-01-01/...).
    if (node.depth > 1 || !/^\d{4}-\d{2}-\d{2}$/.test(seg)) return false;
    node.dateVersions ??= new Set();
    if (node.dateVersions.has(seg)) return true;
    if (node.dateVersions.size >= 3 || node.param) return false;
    node.dateVersions.add(seg);
    return true;
  }

  /** Moves the undecided literal children of `node` (and their subtrees) under its parameter child. */
  private mergeGeneric(node: TrieNode, prevLiteral: string | undefined, all = false): void {
    const p = this.paramChild(node, prevLiteral, 'string');
    const victims = all ? [...node.literals.keys()] : [...node.generic];
    for (const v of victims) {
      const child = node.literals.get(v);
      if (!child) continue;
      node.literals.delete(v);
      this.mergeInto(p.node, child);
    }
    if (all) node.words = 0;
    node.generic.clear();
    node.genericMerged = true;
  }

  private mergeInto(dst: TrieNode, src: TrieNode): void {
    for (const [v, child] of src.literals) {
      const d = dst.literals.get(v);
      if (d) this.mergeInto(d, child);
      else {
        dst.literals.set(v, child);
        if (src.generic.has(v)) dst.generic.add(v);
        else dst.words++;
      }
    }
    if (src.param) {
      if (dst.param) {
        for (const c of src.param.classes) dst.param.classes.add(c);
        this.mergeInto(dst.param.node, src.param.node);
      } else dst.param = src.param;
    }
    dst.genericMerged ||= src.genericMerged;
    // Merging may push the destination over its own limit.
    const limit = dst.param ? this.limits.genericSiblingsBesideParam : this.limits.genericSiblings;
    if (!dst.genericMerged && dst.generic.size > limit) this.mergeGeneric(dst, undefined);
  }

  /**
   * Where a template handed out earlier now leads: a literal that has since merged into a
   * parameter is replaced by it. Parameter names are taken from the trie, so the answer is the
   * current canonical template.
   */
  canonical(template: string): string {
    const segs = splitPath(template);
    let node: TrieNode | undefined = this.root;
    let out = '';
    for (const s of segs) {
      if (!node) {
        out += `/${s}`;
        continue;
      }
      const isParam = s.startsWith('{') && s.endsWith('}');
      const lit: TrieNode | undefined = isParam ? undefined : node.literals.get(s);
      if (lit) {
        out += `/${s}`;
        node = lit;
      } else if (node.param) {
        out += `/{${node.param.name}}`;
        node = node.param.node;
      } else {
        out += `/${s}`;
        node = undefined;
      }
    }
    return out || '/';
  }

  /** The classes of identifier seen at each parameter of a template (for the exported schema). */
  paramClasses(template: string): Map<string, Set<ParamClass>> {
    const out = new Map<string, Set<ParamClass>>();
    let node: TrieNode | undefined = this.root;
    for (const s of splitPath(template)) {
      if (!node) break;
      if (s.startsWith('{') && node.param) {
        out.set(s.slice(1, -1), node.param.classes);
        node = node.param.node;
      } else node = node.literals.get(s);
    }
    return out;
  }

  /** Applies (and remembers) an override; returns true when templates may have changed. */
  applyOverride(o: TemplateOverride): boolean {
    const segs = splitPath(o.template);
    let last = -1;
    segs.forEach((s, i) => {
      if (s.startsWith('{') && s.endsWith('}')) last = i;
    });
    if (last < 0) throw new TypeError(`override template ${o.template} has no {parameter} to ${o.action}`);
    let node = this.root;
    let prev: string | undefined;
    for (let i = 0; i < last; i++) {
      const s = segs[i]!;
      if (s.startsWith('{') && s.endsWith('}')) {
        node = this.paramChild(node, prev, 'string').node;
        prev = undefined;
      } else {
        node = this.literalChild(node, s);
        prev = s;
      }
    }
    const name = segs[last]!.slice(1, -1);
    this.overrides.push(o);
    if (o.action === 'merge') {
      node.pin = 'param';
      node.pinName = name;
      if (node.param) node.param.name = name;
      this.mergeGeneric(node, prev, true);
      if (node.param) node.param.name = name;
    } else {
      node.pin = 'literal';
    }
    return true;
  }

  listOverrides(): readonly TemplateOverride[] {
    return this.overrides;
  }
}

function classOrString(seg: string): ParamClass {
  const k = classifySegment(seg);
  return k.kind === 'token' ? k.cls : 'string';
}
