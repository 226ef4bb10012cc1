// A route table compiled once into a path trie. Benchmarks drive the demo at tens of thousands of
// requests a second, so a lookup is one Map probe for static paths and a walk of at most a few
// segments for templated ones, never a scan of every route.
// Templates use OpenAPI's `{name}` syntax so they can be compared with openapi.yaml as they are.

export type Lookup<H> =
  | { readonly kind: 'found'; readonly value: H; readonly params: Record<string, string>; readonly template: string }
  | { readonly kind: 'method-not-allowed'; readonly allow: string }
  | { readonly kind: 'not-found' };

interface Leaf<H> {
  readonly template: string;
  readonly byMethod: Map<string, H>;
  /** The Allow header value, computed when the table is frozen. */
  allow: string;
}

interface TrieNode<H> {
  readonly statics: Map<string, TrieNode<H>>;
  param?: { readonly name: string; readonly node: TrieNode<H> };
  leaf?: Leaf<H>;
}

const NOT_FOUND = Object.freeze({ kind: 'not-found' as const });
const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function newNode<H>(): TrieNode<H> {
  return { statics: new Map() };
}

function splitPath(path: string): string[] {
  // '/a/b' → ['a', 'b']; the leading '' from the first slash carries no information.
  return path.split('/').slice(1);
}

function decodeSegment(s: string): string | undefined {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export class Router<H> {
  private readonly root = newNode<H>();
  /** Static templates, keyed by the exact path: the common case costs one Map lookup. */
  private readonly exact = new Map<string, Leaf<H>>();
  private readonly templates: Array<{ method: string; template: string }> = [];
  private frozen = false;

  /** Registers `value` for `method` on `template` ('/api/v2/orders/{orderId}'). */
  add(method: string, template: string, value: H): this {
    if (this.frozen) throw new Error('Router: routes cannot be added after freeze()');
    if (!template.startsWith('/')) throw new Error(`Router: template must start with '/': ${template}`);
    const m = method.toUpperCase();
    let node = this.root;
    for (const seg of splitPath(template)) {
      const p = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(seg);
      if (p) {
        const name = p[1]!;
        if (node.param && node.param.name !== name) {
          throw new Error(`Router: '${template}' names parameter {${name}} where another route named {${node.param.name}}`);
        }
        node.param ??= { name, node: newNode<H>() };
        node = node.param.node;
      } else {
        if (seg.includes('{') || seg.includes('}')) throw new Error(`Router: a parameter must be a whole segment: ${template}`);
        let next = node.statics.get(seg);
        if (!next) {
          next = newNode<H>();
          node.statics.set(seg, next);
        }
        node = next;
      }
    }
    node.leaf ??= { template, byMethod: new Map(), allow: '' };
    if (node.leaf.byMethod.has(m)) throw new Error(`Router: ${m} ${template} is registered twice`);
    node.leaf.byMethod.set(m, value);
    if (!template.includes('{')) this.exact.set(template, node.leaf);
    this.templates.push({ method: m, template });
    return this;
  }

  /** Ends registration and precomputes the Allow headers. */
  freeze(): this {
    const visit = (n: TrieNode<H>): void => {
      if (n.leaf) {
        const methods = new Set(n.leaf.byMethod.keys());
        if (methods.has('GET')) methods.add('HEAD');
        methods.add('OPTIONS');
        n.leaf.allow = [...methods].join(', ');
      }
      for (const child of n.statics.values()) visit(child);
      if (n.param) visit(n.param.node);
    };
    visit(this.root);
    this.frozen = true;
    return this;
  }

  /** Every registered (method, template) pair, in registration order. */
  routes(): ReadonlyArray<{ method: string; template: string }> {
    return this.templates;
  }

  /** `path` is the path part of the request target, still percent-encoded. HEAD falls back to GET. */
  lookup(method: string, path: string): Lookup<H> {
    const exact = this.exact.get(path);
    if (exact) return this.pick(exact, method, NO_PARAMS);
    const params: Record<string, string> = {};
    const leaf = this.walk(this.root, splitPath(path), 0, params);
    return leaf ? this.pick(leaf, method, params) : NOT_FOUND;
  }

  private pick(leaf: Leaf<H>, method: string, params: Record<string, string>): Lookup<H> {
    const value = leaf.byMethod.get(method) ?? (method === 'HEAD' ? leaf.byMethod.get('GET') : undefined);
    if (value === undefined) return { kind: 'method-not-allowed', allow: leaf.allow };
    return { kind: 'found', value, params, template: leaf.template };
  }

  /** Static segments win over parameters; backtracks when the static branch dead-ends deeper down. */
  private walk(node: TrieNode<H>, segs: string[], i: number, params: Record<string, string>): Leaf<H> | undefined {
    if (i === segs.length) return node.leaf;
    const seg = segs[i]!;
    const s = node.statics.get(seg);
    if (s) {
      const found = this.walk(s, segs, i + 1, params);
      if (found) return found;
    }
    if (node.param && seg !== '') {
      const decoded = decodeSegment(seg);
      if (decoded === undefined) return undefined;
      const found = this.walk(node.param.node, segs, i + 1, params);
      if (found) {
        params[node.param.name] = decoded;
        return found;
      }
    }
    return undefined;
  }
}
