import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodedShow,
  isHostToWebview,
  isPersistedState,
  isWebviewToHost,
  MAX_SVG_BYTES,
} from '../../../src/protocol/messages';

test('webview → host: well-formed messages pass', () => {
  for (const m of [
    { type: 'ready' },
    { type: 'openEvidence', id: 0 },
    { type: 'openEvidence', id: 41 },
    { type: 'export', format: 'mermaid', flow: 0 },
    { type: 'export', format: 'markdown', flow: 2, phase: 1 },
    { type: 'export', format: 'svg', flow: 0, svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' },
    { type: 'export', format: 'svg', flow: 0 },
    { type: 'rendered', ms: 12.5, steps: 10 },
    { type: 'viewChanged', ui: { flow: 1, phase: 0, zoom: 0.75 } },
    { type: 'error', message: 'Parse error on line 3' },
  ])
    assert.ok(isWebviewToHost(m), JSON.stringify(m));
});

test('webview → host: anything else is rejected, in particular paths instead of evidence ids', () => {
  for (const m of [
    null,
    'ready',
    [],
    { type: 'unknown' },
    { type: 'openEvidence', uri: 'file:///etc/passwd', line: 1 },
    { type: 'openEvidence', id: -1 },
    { type: 'openEvidence', id: 1.5 },
    { type: 'openEvidence', id: '3' },
    { type: 'export', format: 'exe', flow: 0 },
    { type: 'export', format: 'mermaid' },
    { type: 'export', format: 'mermaid', flow: 0, phase: -2 },
    { type: 'export', format: 'svg', flow: 0, svg: '<script>alert(1)</script>' },
    { type: 'export', format: 'svg', flow: 0, svg: 42 },
    { type: 'export', format: 'svg', flow: 0, svg: '<svg>' + 'x'.repeat(MAX_SVG_BYTES) },
    { type: 'rendered', ms: Number.NaN, steps: 1 },
    { type: 'rendered', ms: 1 },
    { type: 'viewChanged', ui: { flow: 0, phase: 0 } },
    { type: 'viewChanged', ui: { flow: 0, phase: 0, zoom: -1 } },
    { type: 'error' },
  ])
    assert.equal(isWebviewToHost(m), false, JSON.stringify(m)?.slice(0, 80));
});

test('host → webview guard', () => {
  assert.ok(
    isHostToWebview({
      type: 'show',
      payload: { title: 't', flows: [], unresolved: [] },
      state: { version: 1, result: {} },
    }),
  );
  assert.ok(isHostToWebview({ type: 'clear', reason: 'closed' }));
  assert.ok(isHostToWebview({ type: 'requestSvg' }));
  assert.equal(isHostToWebview({ type: 'show', payload: { title: 't' }, state: {} }), false);
  assert.equal(isHostToWebview({ type: 'show', payload: { title: 't', flows: [] } }), false);
  assert.equal(isHostToWebview({ type: 'eval', code: 'x' }), false);
});

test('host → webview: a show as UTF-8 JSON is read only when it holds a show', () => {
  const content = { payload: { title: 'Ünïcode →', flows: [], unresolved: [] }, state: { version: 1, result: {} } };
  const bytes = new TextEncoder().encode(JSON.stringify(content));
  const ui = { flow: 0, phase: 1, zoom: 1 };
  assert.ok(isHostToWebview({ type: 'showEncoded', bytes }));
  assert.ok(isHostToWebview({ type: 'showEncoded', bytes, ui }));
  assert.equal(isHostToWebview({ type: 'showEncoded', bytes: JSON.stringify(content) }), false);
  assert.equal(isHostToWebview({ type: 'showEncoded', bytes, ui: { flow: -1 } }), false);
  assert.deepEqual(decodedShow(bytes), content);
  assert.deepEqual(decodedShow(bytes, ui), { ...content, state: { ...content.state, ui } });
  const encode = (text: string) => new TextEncoder().encode(text);
  for (const text of ['{"payload"', '[]', '"show"', JSON.stringify({ ...content, payload: { title: 1 } })])
    assert.equal(decodedShow(encode(text)), undefined, text);
  // a `type` inside cannot make it another message
  assert.equal(decodedShow(encode(JSON.stringify({ type: 'clear', reason: 'x' }))), undefined);
});

test('persisted state guard (what the serializer gets back after a reload)', () => {
  const result = { flows: [], unresolved: ['x'] };
  assert.ok(isPersistedState({ version: 1, result }));
  assert.ok(isPersistedState({ version: 1, result, ui: { flow: 0, phase: 2, zoom: 0.75 } }));
  assert.equal(isPersistedState(undefined), false);
  assert.equal(isPersistedState({ version: 2, result }), false);
  assert.equal(isPersistedState({ version: 1, result: { flows: 'x', unresolved: [] } }), false);
  assert.equal(isPersistedState({ version: 1, result, ui: { flow: -1, phase: 0, zoom: 1 } }), false);
});
