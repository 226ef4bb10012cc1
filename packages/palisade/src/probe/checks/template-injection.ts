// Server-side template injection: template expressions of several engines' syntaxes carrying a
// multiplication of two random numbers. The product (which the request does not contain) in the
// answer means the server evaluated the expression; a second pair must be evaluated too.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { injectionPoints, pointParts, withPayload } from './inject-common.js';
import { opRef, sessionOf } from './util.js';

/** Syntax → engines that evaluate it. `{E}` is the arithmetic expression. */
const SYNTAXES: Array<[string, string]> = [
  ['{{{E}}}', 'Jinja2, Twig, Nunjucks, Liquid-like'],
  ['${{E}}', 'FreeMarker, JavaScript template literals, Spring EL, Mako'],
  ['<%= {E} %>', 'ERB, EJS'],
  ['#{{E}}', 'Ruby interpolation, Pug, JSF EL'],
  ['*{{E}}', 'Thymeleaf'],
  ['@({E})', 'Razor'],
];

function factors(): [number, number] {
  return [1000 + Math.floor(Math.random() * 8999), 1000 + Math.floor(Math.random() * 8999)];
}

export const templateInjection: Check = {
  id: 'PAL-SCAN-INJ-006',
  title: 'Server-side template injection',
  category: 'API8:2023',
  cwe: 1336,
  severity: 'critical',
  description: 'For string query, path and JSON body parameters (GraphQL arguments and the text of SOAP Body elements too) of requests that succeeded, the value followed by an arithmetic expression A*B of two random four-digit numbers in the syntax of several template engines ({{ }}, ${ }, <%= %>, #{ }, *{ }, @( )). Reported when the product appears in the response (and not in the baseline), and a second pair of numbers in the same syntax is evaluated too.',
  remediation: { summary: 'Never build templates from request data: pass values to a fixed template as data, and use a sandboxed engine with auto-escaping.', shieldPolicy: 'waf (OWASP CRS template injection and code injection rules)' },
  async run(ctx) {
    for (const pt of injectionPoints(ctx)) {
      ctx.tested(pt.obs.op);
      const s = sessionOf(ctx, pt.obs.identity);
      for (const [syntax, engines] of SYNTAXES) {
        const [a, b] = factors();
        const product = String(a * b);
        if (pt.obs.response.body.includes(product)) continue;
        const r = await ctx.send(withPayload(pt, pt.value + syntax.replace('{E}', `${a}*${b}`)), s);
        if (!new RegExp(`(^|\\D)${product}(\\D|$)`).test(r.body)) continue;
        const [c, d] = factors();
        const again = await ctx.send(withPayload(pt, pt.value + syntax.replace('{E}', `${c}*${d}`)), s);
        if (!new RegExp(`(^|\\D)${c * d}(\\D|$)`).test(again.body)) continue;
        ctx.report({ operation: opRef(pt.obs.op), confidence: 'confirmed', parts: pointParts(pt), description: `${pt.where} parameter ${pt.name}: the template expression ${syntax.replace('{E}', 'A*B')} is evaluated (${engines}): ${a}*${b} answers ${product}, and a second pair is evaluated too.`, evidence: [evidenceOf(r, `evaluated ${a}*${b} = ${product}`, product), evidenceOf(again, `evaluated ${c}*${d} = ${c * d}`, String(c * d))] });
        break;
      }
    }
  },
};
