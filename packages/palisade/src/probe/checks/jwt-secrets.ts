// Candidate HMAC secrets for the weak-JWT-secret check. Written for Palisade (no third-party word
// list copied): placeholders from tutorials and framework templates, names of the setting itself,
// common passwords. Small on purpose: the check proves a secret is guessable, it does not brute-force.
const WORDS = `
secret secrets secret1 secret12 secret123 secret1234 secretkey secret-key secret_key secretKey mysecret my-secret my_secret
mysecretkey my-secret-key my_secret_key supersecret super-secret super_secret supersecretkey super-secret-key topsecret
top-secret verysecret shhh shhhh shared-secret sharedsecret thesecret the-secret thisisasecret this-is-a-secret
jwt jwtsecret jwt-secret jwt_secret JWT_SECRET jwtkey jwt-key jwt_key jwtSecret jwt-secret-key jwt_secret_key
jwtsigningkey jwt-signing-key signingkey signing-key signing_key signingsecret token tokensecret token-secret
token_secret tokenkey auth authsecret auth-secret auth_secret authkey auth-key apisecret api-secret api_secret
apikey api-key api_key appsecret app-secret app_secret appkey app-key app_key appsecretkey application-secret
your-256-bit-secret your-384-bit-secret your-512-bit-secret your-secret your_secret yoursecret your-secret-key
your_secret_key your-secret-here your_jwt_secret your-jwt-secret your-key-here replace-me replaceme replace_me
changeme change-me change_me changeit changethis change-this change_this changemeplease pleasechangeme
please-change-me change-in-production changeme-in-production placeholder dummy fake example sample default
defaultsecret default-secret default_secret test test123 testing testsecret test-secret test_secret testkey
dev devsecret dev-secret development local localhost staging prod production demo demosecret demo-secret
password password1 password123 passw0rd p@ssw0rd pass pass123 admin admin123 root toor letmein welcome
qwerty qwerty123 qwertyuiop 123456 1234567 12345678 123456789 1234567890 111111 000000 abc123 abcdef
abcdefg abcdefgh iloveyou monkey dragon master sunshine football baseball shadow hello helloworld hello-world
foo bar foobar baz key mykey my-key privatekey private-key private_key hmac hmacsecret hmac-secret hs256
HS256 nodejs node express expressjs express-secret koa nestjs nest django flask rails laravel spring
springboot symfony secret_key_base SECRET_KEY JWT_SECRET_KEY session sessionsecret session-secret
session_secret cookiesecret cookie-secret keyboardcat keyboard-cat "keyboard cat" s3cr3t s3cret secr3t
random randomkey random-key random_key randomsecret random-secret random_secret random123 randomstring
`;

/** The candidates, with the service's name variants added by the check. */
export const JWT_SECRET_CANDIDATES: readonly string[] = Object.freeze([...new Set(WORDS.trim().split(/\s+/).map((w) => w.replace(/^"|"$/g, '')))]);

/** Extra candidates from the API itself: its title and host names (acme-shop, acmeshop, ...). */
export function contextualCandidates(words: readonly string[]): string[] {
  const out = new Set<string>();
  for (const w of words) {
    const base = w.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    if (!base) continue;
    for (const v of [base, base.replace(/-/g, ''), base.replace(/-/g, '_')]) for (const suffix of ['', '-secret', '_secret', 'secret', '-jwt', '-key', '123']) out.add(v + suffix);
  }
  return [...out];
}
