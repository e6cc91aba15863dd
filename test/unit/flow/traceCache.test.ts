// A TraceCache keeps what traces of one model share; a trace given one must come out exactly as
// one without (the whole TraceResult as JSON), on every run of the network lab, traced again, per
// connection, and after the model it was made for is replaced by another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trace, TraceCache } from '../../../src/flow';
import type { TraceOptions } from '../../../src/flow/trace';
import type { ClusterModel, FactKind } from '../../../src/model';
import { modelOf } from '../../support/modelOf';
import type { TruthConnection } from '../../support/labTruth';

const LAB = 'test/fixtures/lab';
const MANIFESTS = join(LAB, 'manifests', 'cluster.yaml');

interface Experiment {
  name: string;
  model: () => ClusterModel;
  questions: [from: string, to: string][];
}

/** The one-node runs with the questions their tests ask, and every two-node run with its clients' destinations. */
function experiments(): Experiment[] {
  const single = (file: string, questions: [string, string][]): Experiment => ({
    name: file,
    model: () => modelOf({ manifests: [MANIFESTS], transcripts: [join(LAB, file)] }),
    questions,
  });
  const runs = readdirSync(LAB)
    .filter((file) => file.endsWith('.truth.json'))
    .map((file): Experiment => {
      const name = file.replace(/\.truth\.json$/, '');
      const truth = JSON.parse(readFileSync(join(LAB, file), 'utf8')) as { connections: TruthConnection[] };
      const questions = new Map<string, [string, string]>();
      for (const connection of truth.connections) {
        const from = connection.client.pod ?? connection.client.ip;
        const service = connection.destination.service?.name.split('/')[1];
        for (const to of [`${connection.destination.ip}:${connection.destination.port}`, service])
          if (to) questions.set(`${from} ${to}`, [from, to]);
      }
      return {
        name,
        model: () =>
          modelOf({
            manifests: [MANIFESTS],
            transcripts: readdirSync(LAB)
              .filter((transcript) => transcript.startsWith(`${name}.`) && transcript.endsWith('.txt'))
              .map((transcript) => join(LAB, transcript)),
          }),
        questions: [...questions.values()],
      };
    });
  return [
    single('a1-pod-to-pod.txt', [['b-pod', 'a-pod']]),
    single('a2-pod-to-service.txt', [
      ['b-app', 'a-app.default.svc.cluster.local'],
      ['b-app', 'a-app'],
      ['b-app', 'no-such-name'],
    ]),
    single('a3-headless.txt', [
      ['b-app', 'web'],
      ['b-app', 'a-app-0.a-app.default.svc.cluster.local:80'],
    ]),
    single('b-cross-node.txt', [['a-pod', 'c-pod']]),
    ...runs,
  ];
}

/** A trace as JSON, or the error it threw. */
function traced(model: ClusterModel, from: string, to: string, options: TraceOptions): string {
  try {
    return JSON.stringify(trace(model, from, to, options));
  } catch (e) {
    return `throws ${e instanceof Error ? e.message : String(e)}`;
  }
}

const VARIANTS: TraceOptions[] = [{}, { connection: 1 }, { connection: 2 }, { noPredictedPods: true }];

test('every lab run traces the same with a cache as without: first, again, per connection', () => {
  let compared = 0;
  for (const experiment of experiments()) {
    assert.ok(experiment.questions.length > 0, experiment.name);
    const uncachedModel = experiment.model();
    const expected = experiment.questions.flatMap(([from, to]) =>
      VARIANTS.map((options) => traced(uncachedModel, from, to, options)),
    );
    const cachedModel = experiment.model();
    const cache = new TraceCache();
    for (const round of ['first', 'again']) {
      const got = experiment.questions.flatMap(([from, to]) =>
        VARIANTS.map((options) => traced(cachedModel, from, to, { ...options, cache })),
      );
      got.forEach((result, index) => {
        const [from, to] = experiment.questions[Math.floor(index / VARIANTS.length)];
        assert.equal(
          result,
          expected[index],
          `${experiment.name} ${from} → ${to} ${JSON.stringify(VARIANTS[index % VARIANTS.length])} ${round}`,
        );
      });
      compared += got.length;
    }
  }
  assert.ok(compared > 100, `${compared} traces compared`);
});

test('a model with other facts is traced afresh: the same as without a cache, and not as before', () => {
  const transcript = join(LAB, 'a2-pod-to-service.txt');
  const all = modelOf({ transcripts: [transcript] }).all('Capture');
  /** The lab's manifests and transcript, its captures only when `captures`. */
  const a2 = (captures: boolean) => {
    const model = modelOf({ manifests: [MANIFESTS] });
    const full = modelOf({ transcripts: [transcript] });
    for (const kind of Object.keys(full.summary()) as FactKind[]) if (kind !== 'Capture') model.add(full.all(kind));
    return captures ? model.add(all) : model;
  };
  const [from, to] = ['b-app', 'a-app.default.svc.cluster.local'];
  const cache = new TraceCache();
  const bare = a2(false);
  const before = traced(bare, from, to, { cache });
  assert.equal(before, traced(a2(false), from, to, {}));
  // the captures read (a new model, as the worker builds one when its sources change)
  const captured = a2(true);
  const after = traced(captured, from, to, { cache });
  assert.ok(after !== before, 'the captures change the flow');
  assert.equal(after, traced(a2(true), from, to, {}));
  // facts added to the model a cache was made for: the cache is cleared, as its contract says
  bare.add(all);
  cache.clear();
  assert.equal(traced(bare, from, to, { cache }), after);
});

test('a cache keeps the shared work per model and address set, and forgets it for another model', () => {
  const a2 = modelOf({ manifests: [MANIFESTS], transcripts: [join(LAB, 'a2-pod-to-service.txt')] });
  const cache = new TraceCache();
  const model = cache.modelFor(a2, false);
  assert.equal(cache.modelFor(a2, false), model, 'the predicted model is made once');
  assert.notEqual(model, a2, 'on a copy: predicted pods are added there');
  assert.equal(cache.modelFor(a2, true), a2);
  const addresses = new Set(['10.244.0.147', '10.103.129.86']);
  const work = cache.sharedWork(model, addresses);
  assert.ok(work.sited.packets.length > 0);
  assert.equal(cache.sharedWork(model, new Set([...addresses].reverse())), work, 'the same set, in any order');
  assert.notEqual(cache.sharedWork(model, new Set(['10.244.0.147'])), work, 'another set: its own work');
  assert.equal(work.connections(), work.connections(), 'connections rebuilt once');
  const other = modelOf({ manifests: [MANIFESTS], transcripts: [join(LAB, 'a2-pod-to-service.txt')] });
  const otherModel = cache.modelFor(other, false);
  assert.notEqual(otherModel, model);
  assert.notEqual(cache.sharedWork(otherModel, addresses), work, 'another model: nothing kept');
});
