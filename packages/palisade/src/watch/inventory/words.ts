// The word guard: path segments that are ordinary API vocabulary stay literal (/users/me,
// /products/search), however their siblings look. A modest bundled list, not a dictionary: it
// holds the nouns and verbs REST paths are made of, so an identifier that happens to be an
// English word (a username "alice") is still caught by the sibling-cardinality rule instead.

const WORDS = `
about access account accounts action actions activate activity add address addresses admin
admins agent agents alert alerts alias all analytics announcements answer api apis app apps
application applications approve archive archived article articles asset assets assign attach
attachment attachments audit audits auth authenticate authorization authorize author authors
auto available avatar avatars backup backups balance balances bank batch batches bill billing
bills block blocks blog board boards book booking bookings books branch branches brand brands
browse bucket buckets build builds bulk business buy cache calendar calendars callback callbacks
campaign campaigns cancel card cards cart carts catalog catalogue categories category change
changes channel channels charge charges chat chats check checkout checks child children city
cities claim claims class classes clear client clients close cluster clusters code codes
collection collections comment comments commit commits company companies compare complete
config configs configuration confirm connect connection connections consent contact contacts
content contents context contract contracts copy count counts country countries coupon coupons
course courses create credentials credit credits current customer customers dashboard
dashboards data database databases debug default delete deliveries delivery deploy deployment
deployments detail details device devices diff discount discounts discover dispute disputes
document documents docs domain domains download downloads draft drafts edit email emails employee
employees enable end endpoint endpoints entries entry environment environments error errors
event events export exports favorite favorites favourites feature features feed feeds file files
filter filters find flag flags folder folders follow followers following form forms forgot
friend friends fulfillment funds gallery game games generate get graphql group groups guest
guests health healthz help history home hook hooks hotel identity image images import imports
inbox info information install instance instances integration integrations internal inventory
invitation invitations invite invites invoice invoices issue issues item items job jobs join key
keys label labels latest leave level limit limits line lines link links list lists live load
locale location locations lock log login logout logs lookup manage manager manifest map maps mark
media member members membership memberships menu merchant merchants merge message messages meta
metadata metrics migrate mine mobile model models module modules monitor more move my name names
network networks new news next note notes notification notifications oauth object objects offer
offers open openapi option options order orders org organization organizations orgs overview
owner owners package packages page pages parent partner partners password passwords path pay
payment payments payout payouts pending permission permissions person persons phone photo photos
pin ping plan plans platform player players playlist playlists policies policy poll popular post
posts preference preferences preview price prices pricing print private product products profile
profiles project projects promotion promotions properties property provider providers public
publish purchase purchases push query queue queues quote quotes random rate rates rating ratings
read readiness readyz receipt receipts recent recommendations record records redeem refresh
refund refunds register registration release releases reminder reminders remove rename renew
reply report reports repo repos repositories repository request requests reservation
reservations reset resolve resource resources response rest restore result results retry return
returns review reviews revoke reward rewards role roles room rooms root rule rules run runs sale
sales save schedule schedules schema schemas score scores search secret secrets section sections
secure security segment segments self send server servers service services session sessions
setting settings setup share shared shares shipment shipments shipping shop shops signin signout
signup site sites size skip slot slots snapshot snapshots source sources spec stat state states
static stats status statuses step steps stock storage store stores stream streams submission
submissions submit subscribe subscription subscriptions suggest suggestions summary support sync
system tag tags target targets task tasks tax taxes team teams template templates tenant tenants
test tests thread threads thumbnail thumbnails ticket tickets timeline token tokens tool tools
top topic topics total track tracking tracks transaction transactions transfer transfers trash
trending trigger triggers type types unlock unsubscribe update updates upload uploads usage user
username users validate validation value values variant variants vehicle vehicles verify version
versions video videos view views visit visits wallet wallets watch webhook webhooks well-known
widget widgets wishlist workflow workflows workspace workspaces write ws www zone zones
me you v1 v2 v3 v4 v5 beta alpha stable preview legacy rpc rest soap json xml csv pdf txt html
favicon robots sitemap index js css img static assets cgi bin wp oauth2 openid jwks
`;

/** Lower-case words, plus their common plural and singular forms. */
export const WORD_SET: ReadonlySet<string> = (() => {
  const s = new Set<string>();
  for (const w of WORDS.split(/\s+/)) {
    if (!w) continue;
    s.add(w);
  }
  return s;
})();

/** users → user, categories → category, addresses → address, people → person. */
export function singular(word: string): string {
  const w = word.toLowerCase();
  if (w === 'people') return 'person';
  if (w === 'children') return 'child';
  if (w.length > 4 && w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (w.length > 4 && /(sses|shes|ches|xes|zes)$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

/**
 * Whether a segment reads as vocabulary: the whole segment, or every part of it split at - _ .
 * (shipping-quote, well-known, v2.1), is a known word or the plural of one. Version markers
 * (v1, v2beta, 2.0) count as words: they stay literal.
 */
export function isWord(segment: string): boolean {
  const s = segment.toLowerCase();
  if (s.length === 0 || s.length > 40) return false;
  if (isVersion(s)) return true;
  if (known(s)) return true;
  const parts = s.split(/[-_.]/);
  if (parts.length < 2) return false;
  for (const p of parts) if (p !== '' && !known(p) && !isVersion(p)) return false;
  return true;
}

function known(s: string): boolean {
  return WORD_SET.has(s) || WORD_SET.has(singular(s));
}

/** v1, v2, V10, v1beta2, v2.1, 1.0 */
export function isVersion(s: string): boolean {
  return /^v\d{1,3}(?:(?:alpha|beta|rc)\d{0,3})?$/i.test(s) || /^v?\d{1,3}\.\d{1,3}(?:\.\d{1,3})?$/i.test(s);
}
