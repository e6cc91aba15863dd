import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapInOrder, refillInOrder } from '../../../src/editor/workspace/inOrder.pure';

test('mapInOrder runs at most `limit` at once and gives the results in the items’ order', async () => {
  let running = 0;
  let most = 0;
  const finished: number[] = [];
  // later items finish first: the results must not follow the finishing order
  const delays = [40, 5, 30, 1, 20, 2, 10];
  const results = await mapInOrder(delays, 3, async (delay) => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, delay));
    running--;
    finished.push(delay);
    return `waited ${delay}`;
  });
  assert.deepEqual(
    results,
    delays.map((delay) => `waited ${delay}`),
  );
  assert.notDeepEqual(finished, delays, 'they finished in another order');
  assert.equal(most, 3);
  assert.deepEqual(await mapInOrder([], 4, async () => 1), []);
  // a failure fails the whole, as one awaited after another would
  await assert.rejects(
    mapInOrder([1, 2], 2, async (item) => {
      if (item === 2) throw new Error('two');
      return item;
    }),
    /two/,
  );
});

test('refillInOrder keeps the keys given, in their order: what was read, else what the cache held', () => {
  const cache = new Map([
    ['b', 'old b'],
    ['gone', 'old gone'],
    ['a', 'old a'],
  ]);
  refillInOrder(cache, ['a', 'b', 'c', 'd'], [undefined, 'new b', 'new c']);
  assert.deepEqual(
    [...cache],
    [
      ['a', 'old a'],
      ['b', 'new b'],
      ['c', 'new c'],
    ],
  );
});
