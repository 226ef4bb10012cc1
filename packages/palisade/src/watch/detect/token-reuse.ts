// PAL-WATCH-TOKEN-REUSE: one credential (API key, bearer token, session cookie) used from many
// networks within minutes — a leaked or shared credential. A person moves between a few networks
// (home, mobile, office) in an hour; a credential in a botnet or pasted online shows up from many.
import type { WatchDetectSettings } from '../../core/index.js';
import type { Detector, Firing } from './detector.js';
import { KeyedWindows, Samples } from './detector.js';
import type { WatchEvent } from './event.js';
import type { AlertActor } from '../../core/index.js';
import { DistinctCounter } from './sketch.js';

type Settings = WatchDetectSettings['detectors']['tokenReuse'];

interface State {
  ips: DistinctCounter;
  nets: DistinctCounter;
  recent: string[];
  samples: Samples;
  fired: boolean;
}

const KEEP_IPS = 16;

export class TokenReuseDetector implements Detector {
  readonly id = 'PAL-WATCH-TOKEN-REUSE';
  readonly title = 'Token reuse: one credential used from many networks';
  readonly category = 'API2:2023' as const;
  readonly severity = 'high' as const;
  readonly remediation =
    'Revoke or rotate the credential (POST /keys/{id}/revoke for API keys), bind tokens to the client (DPoP or mTLS), shorten token lifetimes, and find where it leaked.';
  private readonly windows: KeyedWindows<State>;

  constructor(
    private readonly s: Settings,
    maxActors: number,
  ) {
    this.windows = new KeyedWindows(maxActors, s.windowSeconds * 1000, () => ({ ips: new DistinctCounter(64), nets: new DistinctCounter(64), recent: [], samples: new Samples(), fired: false }));
  }

  private credentialsOf(e: WatchEvent): AlertActor[] {
    const out: AlertActor[] = [];
    const p = e.x.principal;
    if (p?.method === 'apiKey') out.push({ kind: 'apiKey', id: p.id });
    else if (e.credential) out.push({ kind: 'token', id: e.credential });
    if (e.session) out.push({ kind: 'session', id: e.session });
    return out;
  }

  observe(e: WatchEvent, emit: (f: Firing) => void): void {
    // A refused credential proves nothing about who holds a valid one.
    if (e.status === 401) return;
    for (const actor of this.credentialsOf(e)) {
      const w = this.windows.get(`${actor.kind}:${actor.id}`, e.t);
      if (w.ips.add(e.ip)) {
        w.recent.push(e.ip);
        if (w.recent.length > KEEP_IPS) w.recent.shift();
      }
      w.nets.add(e.net);
      w.samples.add(e.x.id);
      if (w.fired || w.ips.size < this.s.minAddresses || w.nets.size < this.s.minNetworks) continue;
      w.fired = true;
      emit({
        actor,
        figures: { addresses: w.ips.size, networks: w.nets.size, minNetworks: this.s.minNetworks, windowSeconds: this.s.windowSeconds },
        samples: w.samples.list(),
        addresses: [...w.recent],
      });
    }
  }

  tracked(): number {
    return this.windows.size;
  }
}
