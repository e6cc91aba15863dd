// How long a thread ran and waited for a CPU (threadTime.pure.ts), as the parse worker reports it for a
// held document's parse: on Linux a busy loop is time on a CPU or in the run queue; elsewhere nothing
// is said.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { threadTime, threadTimeBetween, threadTimeSince } from '../../../src/editor/worker/threadTime.pure';

test('threadTimeBetween says nothing without both readings', () => {
  assert.equal(threadTimeBetween(undefined, { cpuMs: 1, waitMs: 0 }), undefined);
  assert.equal(threadTimeBetween({ cpuMs: 1, waitMs: 0 }, undefined), undefined);
  assert.deepEqual(threadTimeBetween({ cpuMs: 1.4, waitMs: 2 }, { cpuMs: 11.6, waitMs: 2.2 }), {
    cpuMs: 10,
    waitMs: 0,
  });
});

test(
  'on Linux a busy loop of this thread is its time on a CPU and in the run queue',
  // (Linux only, and only where the kernel keeps the numbers: /proc/thread-self/schedstat)
  { skip: threadTime() === undefined },
  () => {
    const before = threadTime();
    const started = performance.now();
    let spins = 0;
    while (performance.now() - started < 100) spins++;
    const elapsed = performance.now() - started;
    const spent = threadTimeSince(before);
    assert.ok(spent && spins > 0);
    // every millisecond of the loop was spent running or waiting to run (the kernel accounts it at its ticks)
    assert.ok(spent.cpuMs + spent.waitMs >= elapsed - 15, `${JSON.stringify(spent)} for ${elapsed} ms`);
    assert.ok(spent.cpuMs > 0 && spent.cpuMs <= elapsed + 15, `${JSON.stringify(spent)} for ${elapsed} ms`);
  },
);
