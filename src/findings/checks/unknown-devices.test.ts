import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asset, context } from './testkit.js';
import { isUnidentified, unknownDevices, unknownDevicesCheck } from './unknown-devices.js';

const bare = asset('mac:00:11:22:33:44:55', { ip: '10.0.0.77', facts: [['vendor', 'Intel Corporate', 'oui']] });
const noFacts = asset('ip:10.0.0.78');
const named = asset('ip:10.0.0.79', { facts: [['hostname', 'printer-3', 'dns']] });
const plc = asset('ip:10.0.0.5', { role: 'plc' });
const router = asset('mac:00:00:0c:01:02:03', { isRouter: true });

describe('asset.unknown-device', () => {
  it('one low finding per device with nothing but an OUI vendor and no role', () => {
    const f = unknownDevices.run(context({ assets: [bare, noFacts, named, plc, router] }));
    assert.deepEqual(
      f.map((x) => x.scope),
      [noFacts.key, bare.key],
    );
    assert.ok(f.every((x) => x.severity === 'low' && x.ruleId === unknownDevices.id));
    assert.match(
      f[1]?.title ?? '',
      /Unidentified device 10\.0\.0\.77 \/ 00:11:22:33:44:55 \(network card by Intel Corporate\)/,
    );
    assert.ok(f[0]?.references.some((r) => r.id === 'ID.AM-01'));
  });

  it('groups them above the threshold', () => {
    const many = Array.from({ length: 5 }, (_, i) => asset(`ip:10.0.1.${i + 1}`));
    const f = unknownDevicesCheck(3).run(context({ assets: [...many, plc] }));
    assert.equal(f.length, 1);
    assert.equal(f[0]?.scope, 'grouped');
    assert.equal(f[0]?.assetKeys.length, 5);
    assert.match(f[0]?.title ?? '', /^5 devices on the network could not be identified/);
  });

  it('identified assets are not unknown', () => {
    assert.equal(isUnidentified(named), false);
    assert.equal(isUnidentified(plc), false);
    assert.equal(isUnidentified(router), false);
    assert.deepEqual(unknownDevices.run(context({ assets: [named, plc] })), []);
  });
});
