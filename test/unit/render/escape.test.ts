import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cleanLabel,
  decodeMermaidEntities,
  escapeBoxTitle,
  escapeMermaidText,
  escapeParticipantName,
  escapeWrapped,
  wrapWords,
} from '../../../src/render/escape';
import { renderMermaid } from '../../../src/render/mermaid';
import type { Flow } from '../../../src/flow/types';
import { step } from './flows';
import { parseSequence } from './mermaidParser';
import { HOSTILE } from './hostile';

test('cleanLabel flattens lines, drops invisible characters and shortens', () => {
  assert.equal(cleanLabel('a\nb\r\n\tc'), 'a b c');
  assert.equal(cleanLabel('\u202Eabc\u202C'), 'abc');
  assert.equal(cleanLabel('x'.repeat(200), 10), 'xxxxxxxxx…');
  assert.equal(cleanLabel('  '), '');
});

test('escaped text contains nothing Mermaid or HTML would act on', () => {
  for (const h of HOSTILE) {
    const e = escapeMermaidText(h);
    assert.doesNotMatch(e, /[%<>&"'`{}:,$\n\r\\]/, `${JSON.stringify(h)} → ${e}`);
    assert.doesNotMatch(e.replace(/#\d+;/g, ''), /[#;]/, `${JSON.stringify(h)} → ${e}`);
    assert.equal(decodeMermaidEntities(e), cleanLabel(h));
  }
});

test('entity codes are Mermaid’s documented #<decimal>; form', () => {
  assert.equal(escapeMermaidText('a;b#c:d'), 'a#59;b#35;c#58;d');
  assert.equal(escapeMermaidText('<x>'), '#60;x#62;');
  assert.equal(escapeMermaidText(''), '#160;');
});

test('wrapping breaks only between words, so an entity code is never split', () => {
  assert.deepEqual(wrapWords('SYN 10.244.0.147:43712 → 10.103.129.86:80', 24), [
    'SYN 10.244.0.147:43712 →',
    '10.103.129.86:80',
  ]);
  assert.deepEqual(wrapWords('KUBE-SVC-CHTNYTLOWMWCGZWR x', 10), ['KUBE-SVC-CHTNYTLOWMWCGZWR', 'x']);
  assert.equal(
    escapeWrapped('DNAT 10.103.129.86:80 → 10.244.0.143:80', 24),
    'DNAT 10.103.129.86#58;80 →<br/>10.244.0.143#58;80',
  );
  for (const h of HOSTILE) {
    const lines = escapeWrapped(h, 12).split('<br/>');
    assert.equal(lines.map(decodeMermaidEntities).join(' '), cleanLabel(h));
    for (const l of lines) assert.doesNotMatch(l.replace(/#\d+;/g, ''), /[#;<>%]/);
  }
});

const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;

// eslint-disable-next-line no-control-regex
const BREAKING = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\s]+/g;

test('labels are counted and cut by characters, a surrogate pair (an emoji) being one', () => {
  // as the counts were made before (Array.from of the whole text), on texts of pairs, lone surrogates and entity characters
  const byArray = (text: string, width: number) => {
    const lines: string[] = [];
    let line = '';
    for (const word of text.split(' ')) {
      if (line !== '' && Array.from(line).length + 1 + Array.from(word).length > width) {
        lines.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '' || lines.length === 0) lines.push(line);
    return lines;
  };
  const pieces = [
    ...['😀', '\uD83D', '\uDE00', 'a', 'bc', ' ', '  ', ':', '#', '10.0.0.1:80', '→', '\uD83D\uD83D\uDE00'],
    ...['\t', '\n', '\r\n', '\u00A0', '\u2028', '\u0085', '\u200B', '\u202E', '\u00AD', '\u3000', ' \u0001'],
  ];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let sample = 0; sample < 2000; sample++) {
    let text = '';
    for (let k = next() % 40; k > 0; k--) text += pieces[next() % pieces.length];
    const width = 1 + (next() % 12);
    assert.deepEqual(wrapWords(text, width), byArray(text, width), JSON.stringify([text, width]));
    const max = 1 + (next() % 30);
    const flat = text.replace(INVISIBLE, '').replace(BREAKING, ' ').trim();
    const chars = Array.from(flat);
    const cut =
      chars.length > max
        ? chars
            .slice(0, max - 1)
            .join('')
            .trimEnd() + '…'
        : flat;
    assert.equal(cleanLabel(text, max), cut, JSON.stringify([text, max]));
  }
  assert.equal(cleanLabel('😀'.repeat(5), 5), '😀'.repeat(5), 'five characters in ten code units fit in five');
  assert.deepEqual(wrapWords('😀😀 😀', 4), ['😀😀 😀']);
});

test('box titles also escape parentheses (Mermaid reads a leading rgba(...) as the colour)', () => {
  assert.equal(escapeBoxTitle('rgba(1,2,3) x'), 'rgba#40;1#44;2#44;3#41; x');
});

test('participant names cannot start or end with a dash nor contain a second " as "', () => {
  assert.equal(escapeParticipantName('-a-b-'), '#45;a-b#45;');
  assert.equal(escapeParticipantName('pod as other'), 'pod#32;as other');
});

/** A flow where every user-controlled string slot holds hostile text. */
function hostileFlow(h: string, i: number): Flow {
  const a = { id: `a${i}`, kind: 'pod' as const, name: h, group: h, addresses: ['10.244.0.1'] };
  const b = { id: h, kind: 'veth' as const, name: `${h} #2`, group: `${h} other` };
  return {
    title: h,
    family: 'pod-to-pod',
    actors: [a, b],
    phases: [
      {
        name: h,
        steps: [
          step(a.id, b.id, h, { nat: { type: 'DNAT', before: h, after: '10.244.0.143:80' } }),
          step(b.id, a.id, h, { status: 'contradicted', dns: { question: h, answers: [h], rcode: h } }),
          step(a.id, b.id, h, {
            status: 'predicted',
            alternatives: [
              { label: h, probability: 0.5, chosen: true, evidence: [] },
              { label: `${h} 2`, probability: 0.5, evidence: [] },
            ],
          }),
          step(b.id, b.id, h, { alternatives: [{ label: h, evidence: [] }] }),
        ],
      },
    ],
    findings: [],
    unresolved: [],
  };
}

HOSTILE.forEach((h, i) => {
  test(`hostile text ${JSON.stringify(h)} stays inside its label, read by Mermaid's own parser`, async () => {
    const source = renderMermaid(hostileFlow(h, i));
    const parsed = await parseSequence(source);
    const shown = cleanLabel(h);
    assert.equal(parsed.directives, undefined, 'no %%{init}%% directive');
    assert.deepEqual(parsed.commentLines, [], 'no %% comment line');
    assert.equal(parsed.messages.length, 4, source);
    assert.deepEqual(
      parsed.messages.map((m) => m.text),
      [shown, `✗ contradicted: ${shown}`, shown, shown],
    );
    assert.deepEqual([...parsed.participants.keys()], ['p0', 'p1']);
    assert.deepEqual([...parsed.participants.values()], [cleanLabel(`${h} 10.244.0.1`, 60), cleanLabel(`${h} #2`, 60)]);
    assert.deepEqual(
      parsed.boxes.map((b) => b.replace(/^rgba\([^)]*\) /, '')),
      [cleanLabel(h, 80), cleanLabel(`${h} other`, 80)],
    );
    assert.equal(parsed.title, cleanLabel(h, 120));
    assert.ok(parsed.notes.some((n) => n.text === `DNAT ${shown} → 10.244.0.143:80`));
    assert.deepEqual(
      parsed.blocks.map((b) => b.type),
      ['rectStart', 'altStart', 'else', 'optStart'],
    );
    // Nothing that becomes markup survives in the source, whatever the renderer version.
    assert.doesNotMatch(source.replace(/<br\/>/g, ''), /<|%|javascript:alert\(1\)\)/);
  });
});
