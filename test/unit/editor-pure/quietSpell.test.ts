// The parse worker builds packets ahead only once the user has not hovered or edited for a spell
// (QuietSpell): an edit or a hover never waits for the building, nor pays its collector's debt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUIET_MS, QuietSpell } from '../../../src/editor/worker/quietSpell.pure';

test('idle work waits a whole spell after each hover or edit, and runs at once before any', () => {
  let clock = 10_000;
  const quiet = new QuietSpell(QUIET_MS, () => clock);
  assert.equal(quiet.wait(), 0, 'nothing asked yet: it may run');
  quiet.touch();
  assert.equal(quiet.wait(), QUIET_MS, 'a hover: a whole spell');
  clock += QUIET_MS - 400;
  assert.equal(quiet.wait(), 400, 'the rest of the spell');
  quiet.touch();
  assert.equal(quiet.wait(), QUIET_MS, 'a keystroke before the spell ended: a whole spell again');
  clock += QUIET_MS;
  assert.equal(quiet.wait(), 0, 'a spell without a hover or an edit: it runs');
  clock += 5_000;
  assert.equal(quiet.wait(), 0, 'and later too');
});
