import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionPoint } from '../../../src/model';

test('partitionPoint: the first index where a sorted predicate turns false', () => {
  const times = [1, 2, 2, 3, 5];
  const atMost = (time: number) => partitionPoint(times.length, (index) => times[index] <= time);
  assert.deepEqual([0, 1, 2, 4, 5, 9].map(atMost), [0, 1, 3, 4, 5, 5]);
  assert.equal(
    partitionPoint(0, () => true),
    0,
  );
  let calls = 0;
  partitionPoint(1_000_000, (index) => (calls++, index < 123_456));
  assert.ok(calls <= 20, `${calls} calls for a million indices`);
});
