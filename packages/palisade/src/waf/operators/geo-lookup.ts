import { refused } from './refused.js';

/** `@geoLookup`: refused — no GeoIP database is bundled. */
export const geoLookup = refused('geoLookup', 'Palisade bundles no GeoIP database; use an IP allow/deny list (@ipMatch) instead');
