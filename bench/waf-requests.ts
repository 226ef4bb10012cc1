// The requests bench:waf and bench:waf-instructions send: a browser-like GET and a 2 KB JSON order.

/** What a browser-ish client sends: CRS looks at every header, so an empty request would flatter it. */
export const GET_HEADERS: Record<string, string> = {
  Host: 'shop.example.com',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  Accept: 'application/json, text/plain, */*',
  'Accept-Language': 'en-US,en;q=0.5',
  'Accept-Encoding': 'gzip, deflate, br',
  Cookie: 'session=8f3a9c2e1b7d4f60a5e3; theme=dark',
};
export const GET_PATH = '/products/search?q=blue-shoes&page=2&sort=price&category=outdoor';

/** A 2 KB order: nested objects, arrays, prose in the notes, an e-mail and a phone number. */
export function orderJson(): string {
  const items = Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${1000 + i}`, name: `Trail running shoe model ${i}`, quantity: 1 + (i % 3), unitPrice: 89.9 + i, options: { size: 42 + (i % 3), colour: ['blue', 'grey', 'black'][i % 3] } }));
  const order = {
    customer: { id: 'c-4821', name: 'Ann Example', email: 'ann@example.com', phone: '+1 555 0100' },
    shipping: { street: '12 Harbour Road', city: 'Springfield', postcode: '12345', country: 'US' },
    items,
    notes: 'Please leave the parcel with the neighbour if nobody is at home. Thank you very much for the quick delivery last time.',
    coupon: 'SPRING-2025',
    giftWrap: false,
  };
  let s = JSON.stringify(order);
  // Padded to 2 KB with prose, the way a description field would.
  const filler = ' Comfortable for long distances and light enough for daily training runs.';
  while (s.length < 2048 - filler.length) {
    order.notes += filler;
    s = JSON.stringify(order);
  }
  return s;
}
