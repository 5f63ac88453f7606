import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { goldenLines, SSH_TRACES, sshObservations } from './ssh.golden.js';

describe('ssh golden: our JSON-lines baselines', () => {
  const dir = join(repoRoot, 'src', 'dissectors', 'ssh', 'golden');
  for (const parts of SSH_TRACES) {
    const name = basename(parts[parts.length - 1] as string, '.pcap');
    it(`golden/${name}.jsonl`, async (t) => {
      if (!hasCorpus) return t.skip('corpus not present');
      const obs = await sshObservations(parts);
      // tshark: both sides "SSH-2.0-OpenSSH_7.6p1 Ubuntu-4ubuntu0.1"; negotiated
      // curve25519-sha256 / ecdsa-sha2-nistp256 / chacha20-poly1305@openssh.com.
      const tx = obs.find((o) => o.kind === 'transaction');
      assert.equal(tx?.kind === 'transaction' && tx.detail?.kex, 'curve25519-sha256');
      checkGolden(t, join(dir, `${name}.jsonl`), goldenLines(obs));
    });
  }
});
