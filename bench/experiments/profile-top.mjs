#!/usr/bin/env node
// The long tasks of a CPU profile (bench/host-stall.bench.mjs --profile): every run of samples
// without idle longer than --min ms (default 50), with the functions that took most of it (self
// time) and the extension's own frames under which it ran (total time).
//   node bench/experiments/profile-top.mjs PROFILE.cpuprofile [--min 50]
import { readFileSync } from 'node:fs';

const [path, ...rest] = process.argv.slice(2);
const min = rest.includes('--min') ? Number(rest[rest.indexOf('--min') + 1]) : 50;
const profile = JSON.parse(readFileSync(path, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const nameOf = (node) => {
  const frame = node.callFrame;
  const file = frame.url.split('/').slice(-2).join('/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
};
const ours = (node) => /\/dist\/(features|extension|cluster)\.js/.test(node.callFrame.url);
const idle = (node) => node.callFrame.functionName === '(idle)';

const tasks = [];
let current;
let time = profile.startTime;
profile.samples.forEach((id, index) => {
  time += profile.timeDeltas[index] ?? 0;
  const node = nodes.get(id);
  if (idle(node)) {
    if (current) tasks.push(current);
    current = undefined;
    return;
  }
  current ??= { start: time, end: time, samples: [] };
  current.end = time;
  current.samples.push([id, profile.timeDeltas[index + 1] ?? 0]);
});
if (current) tasks.push(current);

for (const task of tasks) {
  const ms = (task.end - task.start) / 1000;
  if (ms < min) continue;
  const self = new Map();
  const under = new Map();
  for (const [id, delta] of task.samples) {
    const node = nodes.get(id);
    self.set(nameOf(node), (self.get(nameOf(node)) ?? 0) + delta);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const frame = nodes.get(at);
      if (!ours(frame)) continue;
      const name = nameOf(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      under.set(name, (under.get(name) ?? 0) + delta);
    }
  }
  const top = (map, count) =>
    [...map]
      .sort((first, second) => second[1] - first[1])
      .slice(0, count)
      .map(([name, micros]) => `      ${String(Math.round(micros / 1000)).padStart(5)} ms  ${name}`)
      .join('\n');
  console.log(`\n${Math.round(ms)} ms task at +${Math.round((task.start - profile.startTime) / 1000)} ms`);
  console.log(`    self:\n${top(self, 6)}`);
  if (under.size) console.log(`    under our frames:\n${top(under, 8)}`);
}
