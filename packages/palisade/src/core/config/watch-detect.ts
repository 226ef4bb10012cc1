// The `watch.detect` and `watch.alerts` blocks: Watch's streaming detectors, their thresholds and
// automatic responses, and where alerts go. Kept apart from schema.ts because the block is large.
// Every default is explained in docs/detectors.md; change the two together.
import { z } from 'zod';

const seconds = (def: number, doc: string) => z.int().min(1).max(86_400).default(def).describe(doc);
const count = (def: number, doc: string) => z.int().min(1).max(1_000_000).default(def).describe(doc);
const ratio = (def: number, doc: string) => z.number().min(0).max(1).default(def).describe(doc);

const response = (action: 'none' | 'block', minutes: number) =>
  z
    .strictObject({
      action: z
        .enum(['none', 'block', 'rate-limit'])
        .default(action)
        .describe(
          "none: alert only. block: put the actor's client addresses on the dynamic block list. rate-limit: hold the actor (its principal, else its client addresses) to `limit` requests per `windowSeconds` on every route. Both reach every gateway (store, and store.redis notices).",
        ),
      minutes: z.int().min(1).max(7 * 24 * 60).default(minutes).describe('How long an automatic block or rate-limit override lasts.'),
      maxTargets: z.int().min(1).max(64).default(8).describe('Most client addresses one alert blocks or rate-limits (an actor seen from many addresses).'),
      limit: z.int().min(1).max(1_000_000).default(30).describe('rate-limit: requests allowed per window while the override lasts.'),
      windowSeconds: z.int().min(1).max(86_400).default(60).describe('rate-limit: the window of `limit`.'),
    })
    .prefault({})
    .describe('The automatic response when the detector fires (reversible through the admin API: DELETE /blocks/{entry}, DELETE /rate-overrides/{target}).');

const detector = <S extends z.ZodRawShape>(doc: string, shape: S, act: 'none' | 'block' = 'none', minutes = 15) =>
  z
    .strictObject({ enabled: z.boolean().default(true).describe('Run this detector.'), ...shape, response: response(act, minutes) })
    // Every member has a default; zod cannot see that through the generic shape.
    .prefault({} as never)
    .describe(doc);

export function watchDetectSchema() {
  return z
    .strictObject({
      enabled: z.boolean().default(true).describe('Run the detectors on the exchanges Shield records (palisade start).'),
      queueSize: z.int().min(100).max(1_000_000).default(50_000).describe('Exchanges waiting for the detectors; beyond this they are dropped and counted (watch_dropped), never slowing the gateway.'),
      batchSize: z.int().min(1).max(100_000).default(1000).describe('Exchanges processed per turn of the event loop.'),
      maxActors: z.int().min(100).max(10_000_000).default(100_000).describe('Actors (addresses, principals, keys, sessions) each detector tracks; the least recently seen are forgotten beyond it.'),
      cooldownMinutes: z.int().min(1).max(7 * 24 * 60).default(15).describe('A (detector, actor, endpoint) that fired is not alerted again for this long: later firings update the same alert.'),
      login: z
        .strictObject({
          paths: z.array(z.string().regex(/^\//, 'a path starting with /')).default([]).describe('Login paths (POST, exact, query ignored), besides those matching pathPattern.'),
          pathPattern: z
            .string()
            .max(512)
            .default('(^|/)(login|log-in|signin|sign-in|sessions?|authenticate|auth/token)/?$')
            .describe('Paths matching this regular expression (case-insensitive) are login operations when the method is POST.'),
          usernameFields: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/)).default(['username', 'email', 'login', 'user', 'account']).describe('Body fields holding the account name, read from the recorded body sample (recording.bodySampleBytes > 0).'),
          failureStatuses: z.array(z.int().min(400).max(599)).min(1).default([401, 403]).describe('Login response statuses that mean a failed attempt.'),
        })
        .prefault({})
        .describe('How Watch recognises logins and their outcome.'),
      detectors: z
        .strictObject({
          credentialStuffing: detector(
            'PAL-WATCH-CRED-STUFFING: one actor failing logins for many different accounts.',
            {
              windowSeconds: seconds(600, 'Window over which one actor\'s login attempts are counted.'),
              minDistinctAccounts: count(12, 'Distinct accounts with a failed login from the actor.'),
              minFailureRatio: ratio(0.7, 'Failed share of the actor\'s login attempts.'),
              minFailuresWithoutAccounts: count(40, 'When no account names are recorded: failed logins from the actor.'),
            },
            'block',
          ),
          distributedStuffing: detector('PAL-WATCH-CRED-STUFFING-DIST: the global login failure ratio far above its own baseline (stuffing spread over many addresses).', {
            bucketSeconds: seconds(60, 'Length of one measurement bucket.'),
            warmupBuckets: count(30, 'Buckets learnt before the detector may fire.'),
            minAttempts: count(40, 'Login attempts in the current bucket before it is judged.'),
            minDeviations: z.number().min(1).max(100).default(5).describe('How many standard deviations above the baseline ratio.'),
            minIncrease: ratio(0.25, 'And how far above the baseline ratio in absolute terms.'),
          }),
          bruteForce: detector(
            'PAL-WATCH-BRUTE-FORCE: many failed logins for one account, from any addresses.',
            {
              windowSeconds: seconds(900, 'Window over which an account\'s failures are counted.'),
              minFailures: count(15, 'Failed logins for one account.'),
              burstSeconds: seconds(120, 'A shorter window over which a burst of failures for one account is counted: fast guessing fires before the long window fills.'),
              burstFailures: count(8, 'Failed logins for one account within burstSeconds.'),
              sketchWidth: z.int().min(256).max(1 << 22).default(1 << 16).describe('Count-min sketch width (memory: width × 4 rows × 4 bytes × 2 halves, for each of the two windows).'),
            },
            'block',
          ),
          bola: detector('PAL-WATCH-BOLA: one principal walking object ids of one endpoint.', {
            windowSeconds: seconds(600, 'Window per principal and endpoint.'),
            minDistinctIds: count(25, 'Distinct object ids requested.'),
            minDeniedRatio: ratio(0.4, 'Share of 401/403/404 answers that, with enough ids, signals probing.'),
            minSequentialRun: count(15, 'Consecutive requests for numerically adjacent ids.'),
            minUnseenRatio: ratio(0.9, 'Share of requested ids never returned to the principal before (when response samples are recorded).'),
          }),
          scraping: detector('PAL-WATCH-SCRAPING: bulk extraction — long pagination walks or machine-regular request timing.', {
            windowSeconds: seconds(600, 'Window per actor.'),
            minRequests: count(30, 'Requests by the actor in the window before timing is judged.'),
            minPages: count(25, 'Distinct pages (page, offset, cursor... values) of one endpoint.'),
            maxTimingCv: z.number().min(0).max(2).default(0.12).describe('Coefficient of variation of the gaps between requests at or below which timing is machine-regular.'),
            maxEndpoints: count(4, 'With regular timing: at most this many distinct endpoints (humans browse widely).'),
          }),
          accountEnumeration: detector('PAL-WATCH-ACCOUNT-ENUM: one actor probing many identifiers on a lookup endpoint (existence oracle).', {
            windowSeconds: seconds(600, 'Window per actor.'),
            minDistinctIdentifiers: count(15, 'Distinct identifiers (emails, usernames, phone numbers) looked up.'),
            minMissRatio: ratio(0.3, 'Share of 404 (or 204/400) answers: the oracle says "no such account".'),
            identifierParams: z.array(z.string()).default(['email', 'username', 'user', 'login', 'phone', 'mobile', 'account', 'handle']).describe('Query, path or body parameters holding an identifier.'),
          }),
          tokenReuse: detector('PAL-WATCH-TOKEN-REUSE: one token, API key or session used from many networks in a short window.', {
            windowSeconds: seconds(600, 'Window per credential.'),
            minAddresses: count(8, 'Distinct client addresses.'),
            minNetworks: count(5, 'Distinct networks (/16 for IPv4, /32 for IPv6).'),
          }),
          scanner: detector(
            'PAL-WATCH-SCANNER: vulnerability scanners — tool fingerprints, many 404s, many attack classes.',
            {
              windowSeconds: seconds(300, 'Window per client address.'),
              minRequests: count(40, 'Requests before the 404 ratio is judged.'),
              minNotFoundRatio: ratio(0.5, 'Share of 404 answers.'),
              minDistinctPaths: count(25, 'Distinct paths requested.'),
              minAttackClasses: count(3, 'Distinct WAF attack classes from the address.'),
              userAgents: z
                .array(z.string())
                .default(['sqlmap', 'nikto', 'nuclei', 'ffuf', 'gobuster', 'dirbuster', 'zgrab', 'masscan', 'zap', 'owasp zap', 'wfuzz', 'acunetix', 'nessus', 'openvas', 'burp', 'w3af', 'arachni', 'feroxbuster', 'dirb', 'nmap', 'wpscan', 'skipfish', 'jaeles'])
                .describe('User-Agent fingerprints of attack tools (matched as words, case-insensitive).'),
            },
            'block',
            60,
          ),
          injection: detector(
            'PAL-WATCH-INJECTION: an injection campaign — repeated WAF matches from one actor.',
            {
              windowSeconds: seconds(300, 'Window per actor.'),
              minMatches: count(5, 'Requests with a WAF match.'),
            },
            'block',
            60,
          ),
          errorSpike: detector('PAL-WATCH-ERROR-SPIKE: an endpoint\'s 5xx ratio far above its own baseline.', {
            bucketSeconds: seconds(60, 'Length of one measurement bucket.'),
            warmupBuckets: count(30, 'Buckets learnt before the detector may fire.'),
            minErrors: count(20, '5xx answers in the current bucket.'),
            minDeviations: z.number().min(1).max(100).default(6).describe('Standard deviations above the baseline ratio.'),
            minIncrease: ratio(0.05, 'And this much above the baseline ratio in absolute terms.'),
          }),
          trafficSpike: detector('PAL-WATCH-TRAFFIC-SPIKE: an endpoint\'s request rate far above its own baseline.', {
            bucketSeconds: seconds(60, 'Length of one measurement bucket; the rate judged is that of the last bucketSeconds (the running bucket plus the unexpired share of the previous one).'),
            warmupBuckets: count(30, 'Buckets learnt before the detector may fire.'),
            minRequests: count(300, 'Requests in the last bucketSeconds.'),
            minFactor: z.number().min(1).max(1000).default(4).describe('Times the baseline rate.'),
            minDeviations: z.number().min(1).max(100).default(6).describe('And standard deviations above it.'),
          }),
        })
        .prefault({})
        .describe('Per-detector thresholds and responses (docs/detectors.md explains each default).'),
    })
    .prefault({})
    .describe('Streaming attack detection on live traffic (docs/detectors.md).');
}

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name');

export function watchAlertsSchema() {
  const sink = z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('webhook'),
      url: z.url({ protocol: /^https?$/ }).describe('Where alerts are POSTed as JSON.'),
      secretEnv: envName.optional().describe('Environment variable holding the HMAC-SHA256 key; the body is signed in Palisade-Signature (docs/detectors.md).'),
      timeoutMs: z.int().min(100).max(60_000).default(5000).describe('Per attempt.'),
      retries: z.int().min(0).max(10).default(4).describe('Further attempts after a failure, with exponential backoff.'),
      queueSize: z.int().min(1).max(100_000).default(1000).describe('Alerts waiting to be sent; beyond this the oldest are dropped and counted.'),
    }),
    z.strictObject({
      type: z.literal('slack'),
      urlEnv: envName.describe('Environment variable holding the Slack incoming-webhook URL (it is a secret).'),
      timeoutMs: z.int().min(100).max(60_000).default(5000),
      retries: z.int().min(0).max(10).default(3),
      queueSize: z.int().min(1).max(100_000).default(500),
    }),
    z.strictObject({
      type: z.literal('syslog'),
      host: z.string().min(1).describe('Syslog collector host.'),
      port: z.int().min(1).max(65535).default(514),
      protocol: z.enum(['udp', 'tcp']).default('udp').describe('udp: one datagram per message. tcp: octet-counted framing (RFC 6587).'),
      facility: z.int().min(0).max(23).default(10).describe('Syslog facility (10: security/authorization).'),
      appName: z.string().regex(/^[\x21-\x7e]{1,48}$/).default('palisade'),
    }),
    z.strictObject({ type: z.literal('stdout') }),
  ]);
  return z
    .strictObject({
      minSeverity: z.enum(['critical', 'high', 'medium', 'low', 'info']).default('low').describe('Alerts below this severity are stored but not sent to sinks.'),
      retentionDays: z.int().min(1).max(3650).default(90).describe('Alerts last seen longer ago are deleted.'),
      sinks: z.array(sink).default([]).describe('Where new alerts are sent, besides the store.'),
    })
    .prefault({})
    .describe('Alert delivery: webhooks (HMAC-signed), Slack, syslog (RFC 5424), stdout.');
}
