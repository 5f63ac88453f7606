import { corpusPath } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { type Compared, credsOf, type Run, runTrace, testFingerprint } from '../snmp/snmp.golden.js';
import { telnetDissector } from './telnet.dissector.js';

/**
 * Telnet golden support. Zeek logs no Telnet logins, so the baseline is what a person reads in
 * each trace (tshark "follow TCP stream"), written down here: user, whether the password line
 * was complete (its fingerprint must match), and the outcome the server's next output shows.
 */
export interface TelnetTruth {
  trace: string[];
  logins: { user: string; password: string | null; outcome: 'success' | 'failure' | 'unknown' }[];
  banner: string;
}

export const TELNET_TRUTH: readonly TelnetTruth[] = [
  {
    // OpenBSD 2.6 login, cooked mode: "login: " fake, "Password:" (not echoed), then "Last login" and "$ ".
    trace: ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'telnet', 'telnet-cooked.pcap'],
    logins: [{ user: 'fake', password: 'user', outcome: 'success' }],
    banner: 'OpenBSD/i386 (oof) (ttyp2)',
  },
  {
    // The same in character mode: each key is its own segment, the server echoes the user name.
    trace: ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'telnet', 'telnet-raw.pcap'],
    logins: [{ user: 'fake', password: 'user', outcome: 'success' }],
    banner: 'OpenBSD/i386 (oof) (ttyp1)',
  },
  {
    // Ubuntu 16.04 through a local proxy; the capture ends after two password characters.
    trace: ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'telnet', 'telnet.pcap'],
    logins: [{ user: 'jankincai', password: null, outcome: 'unknown' }],
    banner: 'Trying 192.168.166.127...',
  },
];

export function compareTelnet(run: Run, truth: TelnetTruth): Compared {
  const creds = credsOf(run.observations, 'telnet');
  const res: Compared = { total: truth.logins.length + 1, matched: 0, allowed: 0, mismatches: [] };
  truth.logins.forEach((l, i) => {
    const c = creds[i];
    const fp = l.password === null ? null : testFingerprint(l.password);
    if (c && c.user === l.user && c.secretFingerprint === fp && c.outcome === l.outcome) res.matched++;
    else res.mismatches.push(`login ${i + 1}: expected ${l.user}/${l.outcome}, got ${c?.user}/${c?.outcome}`);
  });
  const banner = run.observations.find((o) => o.kind === 'asset.identity' && o.protocol === 'telnet');
  if (banner?.kind === 'asset.identity' && banner.facts[0]?.value === truth.banner) res.matched++;
  else res.mismatches.push('banner');
  return res;
}

export async function goldenScores(): Promise<GoldenScore[]> {
  const out: GoldenScore[] = [];
  for (const t of TELNET_TRUTH) {
    const r = compareTelnet(await runTrace(telnetDissector, corpusPath(...t.trace)), t);
    out.push({
      protocol: 'telnet',
      baseline: `hand-read logins (${t.trace.at(-1)})`,
      matched: r.matched,
      total: r.total,
    });
  }
  return out;
}
