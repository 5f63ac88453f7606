import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMac } from '../util/net.js';
import { ouiVendor } from './oui.js';

test('MAC vendors come from the IEEE registry', () => {
  assert.equal(ouiVendor(parseMac('00:1b:1b:01:02:03')!), 'Siemens AG');
  assert.equal(ouiVendor(parseMac('00:00:bc:00:00:01')!), 'Rockwell Automation');
  assert.equal(ouiVendor(parseMac('00:00:00:00:00:01')!), 'XEROX CORPORATION', 'first line of the table');
  assert.equal(ouiVendor(parseMac('02:1b:1b:01:02:03')!), null, 'locally administered');
  assert.equal(ouiVendor(0), null);
  // An unassigned block between two assigned ones, and the end of the table.
  assert.equal(ouiVendor(parseMac('ff:ff:fe:00:00:01')!), null);
});
