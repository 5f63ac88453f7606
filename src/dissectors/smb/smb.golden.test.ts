import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import type { CredentialObservation, IdentityObservation } from '../../observations/observation.js';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { goldenLines, SMB_TRACES, smbObservations } from './smb.golden.js';

describe('smb golden: our JSON-lines baselines', () => {
  const dir = join(repoRoot, 'src', 'dissectors', 'smb', 'golden');
  for (const parts of SMB_TRACES) {
    const name = basename(parts[parts.length - 1] as string, '.pcap');
    it(`golden/${name}.jsonl`, async (t) => {
      if (!hasCorpus) return t.skip('corpus not present');
      checkGolden(t, join(dir, `${name}.jsonl`), goldenLines(await smbObservations(parts)));
    });
  }

  it('names and users agree with tshark', async (t) => {
    if (!hasCorpus) return t.skip('corpus not present');
    // tshark -Y ntlmssp: smb3.pcap "User: SUSE\administrator", server WS2016 (domain SUSE);
    // nbss.pcap "User: VISTA1\Administrator" from workstation VISTA1 to VISTA2.
    const facts = (o: IdentityObservation[]) =>
      o.flatMap((i) => i.facts.map((f) => `${i.about}:${f.field}=${f.value}`));
    const smb3 = await smbObservations(SMB_TRACES[2] as string[]);
    const creds3 = smb3.filter((o): o is CredentialObservation => o.kind === 'credential');
    assert.deepEqual(
      creds3.map((c) => [c.user, c.outcome]),
      [['SUSE\\administrator', 'success']],
    );
    assert.ok(
      facts(smb3.filter((o): o is IdentityObservation => o.kind === 'asset.identity')).includes(
        'server:hostname=WS2016',
      ),
    );
    const nb = await smbObservations(SMB_TRACES[3] as string[]);
    const f = facts(nb.filter((o): o is IdentityObservation => o.kind === 'asset.identity'));
    assert.ok(f.includes('client:hostname=VISTA1') && f.includes('server:hostname=VISTA2'));
  });
});
