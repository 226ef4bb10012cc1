// Guessable HMAC secrets. A JWT signed with HS256 can be attacked offline: anyone holding one token
// can try candidate secrets until the signature matches, then mint tokens at will. Tutorials,
// framework templates and "change me" placeholders end up in production, so Palisade refuses to
// start with a shared secret that is short, low in variety, or on this list.
//
// The list is written for Palisade (no third-party word list copied): placeholders from docs and
// tutorials, framework and tool defaults, names of the setting itself, common passwords and
// keyboard walks. Entries are compared after normalisation (lower case, letters and digits only,
// common leetspeak undone), so `Your_256-Bit_Secret` and `y0ur256b1ts3cr3t` match `your-256-bit-secret`.

const WORDS = `
secret secrets mysecret my-secret my_secret mysecretkey my-secret-key my_secret_key secretkey secret-key secret_key
thesecret the-secret thisisasecret this-is-a-secret thisismysecret this-is-my-secret thisismysecretkey ThisIsMySecretKey
supersecret super-secret super_secret supersecretkey super-secret-key supersecretpassword topsecret top-secret
verysecret very-secret verysecretkey ultrasecret megasecret secretsecret secret123 secret1234 secret12345 secret!
secretpassword secret-password secretphrase secret-phrase secretstring secret-string secretvalue somesecret some-secret
some_secret somesecretkey anothersecret another-secret notasecret not-a-secret notsecret nosecret no-secret
shh shhh shhhh shhhhh shhhhhh shhhhhared-secret sharedsecret shared-secret shared_secret sharedkey shared-key
s3cr3t s3cret secr3t sekret sekrit seekrit secrit
jwt jwts jwtsecret jwt-secret jwt_secret JWT_SECRET jwtsecretkey jwt-secret-key jwt_secret_key jwtkey jwt-key jwt_key
jwtsigningkey jwt-signing-key jwt_signing_key jwtsigningsecret jwt-signing-secret jwtprivatekey jwt-private-key
jwtpassword jwt-password jwttoken jwt-token jwt_token jwtsecrettoken secretjwt secret-jwt secret_jwt myjwtsecret
my-jwt-secret my_jwt_secret yourjwtsecret your-jwt-secret your_jwt_secret jwtauthsecret jwt-auth-secret
your-256-bit-secret your-384-bit-secret your-512-bit-secret your256bitsecret your-secret your_secret yoursecret
your-secret-key your_secret_key yoursecretkey your-secret-here your_secret_here yoursecrethere your-key-here
your_key_here insert-secret-here insert_secret_here put-your-secret-here enter-your-secret-here
a-string-secret-at-least-256-bits-long a-secret-at-least-256-bits-long
super-secret-jwt-token-with-at-least-32-characters-long your-super-secret-jwt-token-with-at-least-32-characters-long
this-is-a-very-long-secret-key-for-jwt-signing this-is-a-secret-key-that-is-at-least-32-characters-long
my-super-secret-key-that-is-at-least-32-characters my_super_secret_key_that_is_at_least_32_chars
thisisaverylongsecretkeythatisatleast32characterslong change-this-to-a-long-random-secret
please-change-this-secret-in-production change-this-secret-in-production changeme-in-production
replace-with-a-strong-secret replace-this-with-a-real-secret generate-a-random-secret-and-put-it-here
changeme change-me change_me changemeplease changeme123 changethis change-this change_this changethissecret
change-this-secret change_this_secret changeit change-it pleasechangeme please-change-me replaceme replace-me
replace_me replacethis replace-this todo fixme tbd placeholder dummy dummysecret dummy-secret fake fakesecret
fake-secret mock mocksecret mock-secret stub sample samplesecret sample-secret example examplesecret
example-secret example-key examplekey demo demosecret demo-secret demokey test testing testsecret test-secret
test_secret testkey test-key test_key testtoken test123 test1234 testing123 tester dev devsecret dev-secret
dev_secret devkey dev-key development developmentsecret development-secret local localsecret local-secret
localhost staging stagingsecret prod prodsecret prod-secret production productionsecret production-secret
default defaultsecret default-secret default_secret defaultkey default-key defaultpassword insecure
insecure-secret insecurekey unsafe unsafe-secret donotuse do-not-use dontuse notsecure not-secure
password password1 password12 password123 password1234 password! Password1 passw0rd p@ssw0rd p@ssword pass
passwd pass123 pass1234 passphrase pwd admin admin123 admin1234 administrator root toor letmein welcome
welcome1 welcome123 monkey dragon master iloveyou sunshine princess football baseball shadow superman batman
trustno1 hello hello123 helloworld hello-world hello_world foobar foo bar baz qux foobarbaz abc abc123 abcd1234
guest login access access123 hunter2 whatever nothing god love freedom starwars pokemon
key mykey my-key my_key thekey privatekey private-key private_key private publickey public-key public
signingkey signing-key signing_key signingsecret signing-secret signature sign hmac hmackey hmac-key hmacsecret
hmac-secret hmac_secret hs256 hs384 hs512 hs256secret sha256 encryptionkey encryption-key encryption_key
encrypt cipher crypto cryptokey masterkey master-key master_key rootkey appkey app-key app_key appsecret
app-secret app_secret applicationsecret application-secret apisecret api-secret api_secret apikey api-key
api_key apitoken api-token authsecret auth-secret auth_secret authkey auth-key authtoken auth-token auth
authentication authorization token tokens tokensecret token-secret token_secret tokenkey token-key
accesstoken access-token access_token accesstokensecret access-token-secret access_token_secret
refreshtoken refresh-token refreshtokensecret refresh-token-secret refresh_token_secret bearer
sessionsecret session-secret session_secret session sessionkey session-key cookiesecret cookie-secret
cookie_secret cookie keyboardcat keyboard-cat keyboard_cat keyboard cat
secret_key_base secretkeybase secret-key-base app_key SomeRandomString somerandomstring random randomstring
random-string random_string randomsecret random-secret randomkey random-key mysupersecret mysupersecretkey
my-super-secret my-super-secret-key nextauthsecret nextauth-secret nextauth_secret authjssecret
django-insecure flasksecret flask-secret flask_secret flask expresssecret express-secret express
springsecret spring-secret spring nodejs node laravel rails django symfony jhipster jhipstersecret
keycloak auth0 okta firebase supabase supabasesecret hasura hasurasecret strapi strapisecret ghost parse
parsesecret directus payload payloadsecret medusa
qwerty qwerty123 qwertyuiop qwertyuiop123 asdf asdfgh asdfghjkl asdfghjkl123 zxcvbn zxcvbnm qazwsx
1qaz2wsx 1qaz2wsx3edc qwe123 qweasd qweasdzxc 1q2w3e 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y azerty azertyuiop
qwertz qwertzuiop poiuytrewq mnbvcxz lkjhgfdsa 123qwe 123abc abcdef abcdefg abcdefgh abcdefghijklmnopqrstuvwxyz
0123456789 1234567890 123456 1234567 12345678 123456789 987654321 0987654321 111111 000000 121212 654321
00000000 11111111 12341234 1234512345 123123 123321 112233 abc123abc
aaaaaa aaaaaaaa xxxxxx xxxxxxxx zzzzzz
`;

/** Whole phrases whose words would otherwise be split by the WORDS format. */
const PHRASES = ['keyboard cat', 'this is my secret', 'this is a secret', 'my secret', 'secret key', 'correct horse battery staple', 'the quick brown fox jumps over the lazy dog', 'lorem ipsum dolor sit amet'];

const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i' };

function normalise(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function unleet(s: string): string {
  return s
    .toLowerCase()
    .replace(/[013457@$!]/g, (c) => LEET[c] ?? c)
    .replace(/[^a-z0-9]/g, '');
}

const ENTRIES: readonly string[] = [...WORDS.split(/\s+/).filter((w) => w !== ''), ...PHRASES];
const NORMALISED = new Set<string>();
for (const e of ENTRIES) {
  NORMALISED.add(normalise(e));
  NORMALISED.add(unleet(e));
}
NORMALISED.delete('');

/** How many entries the list has (for tests and docs). */
export const WEAK_SECRET_COUNT = ENTRIES.length;

/** Is `s` made of one unit repeated (`changemechangeme...`, `abcabcabc...`)? Returns the unit. */
function repeatedUnit(s: string): string | undefined {
  for (let len = 1; len <= s.length / 2; len++) {
    if (s.length % len !== 0) continue;
    const unit = s.slice(0, len);
    if (unit.repeat(s.length / len) === s) return unit;
  }
  return undefined;
}

function listed(candidate: string): boolean {
  if (candidate === '') return false;
  if (NORMALISED.has(candidate)) return true;
  // A listed word with digits glued on ("supersecret2024", "2024changeme").
  const trimmed = candidate.replace(/^\d+|\d+$/g, '');
  if (trimmed !== candidate && trimmed.length >= 3 && NORMALISED.has(trimmed)) return true;
  const unit = repeatedUnit(candidate);
  return unit !== undefined && (unit.length <= 8 || NORMALISED.has(unit));
}

/**
 * Why `secret` must not be used as an HMAC key, or undefined when it may. `minBytes` is the
 * smallest key the configured algorithms allow (RFC 7518 §3.2: at least the hash size, 32 bytes
 * for HS256). `text` is the secret as configured, when it is text (for the list comparison).
 */
export function weakSecretReason(key: Uint8Array, minBytes: number, text?: string): string | undefined {
  if (text !== undefined && (listed(normalise(text)) || listed(unleet(text)))) {
    return 'it is a well-known or guessable value (found in the common-secrets list)';
  }
  if (key.length < minBytes) return `it is ${key.length} bytes long; HMAC keys need at least ${minBytes} bytes (RFC 7518 §3.2) from a random generator`;
  const distinct = new Set(key).size;
  if (distinct < 8) return `it uses only ${distinct} distinct byte values; use a random secret (e.g. openssl rand -base64 48)`;
  if (text !== undefined) {
    const n = normalise(text);
    // Runs of the alphabet or digits, however long, are not secrets.
    if (n.length >= 8 && ('abcdefghijklmnopqrstuvwxyz'.repeat(4).includes(n) || '0123456789'.repeat(8).includes(n) || 'qwertyuiopasdfghjklzxcvbnm'.repeat(4).includes(n))) {
      return 'it is a keyboard or alphabet sequence';
    }
  }
  return undefined;
}
