// Screenshots of the diagram panel for the README's status table, taken from real traces: the
// two-node lab run (observed, configured, predicted) and two broken-cluster reproductions (missing:
// FORWARD policy DROP; contradicted: bridge-nf-call-iptables=0). The panel is the real webview
// bundle in headless Chromium (bench/webview/panelPage.ts). Run: node scripts/screenshots.mjs
import { modelOf } from '../../test/support/modelOf';
import { join } from 'node:path';
import { ClusterModel } from '../../src/model';
import { trace, type TraceResult } from '../../src/flow';
import { buildPayload } from '../../src/render/payload';
import { openPanel } from '../../bench/webview/panelPage';

function model(manifest: string, logs: string[]): ClusterModel {
  return modelOf({ manifests: [manifest], transcripts: logs });
}

interface Shot {
  file: string;
  result: TraceResult;
  phase: string;
  /** The status to bring into view, in the diagram and in the step list. */
  focus: string;
}

const lab = 'test/fixtures/lab';
const broken = 'test/fixtures/broken';
const shots: Shot[] = [
  {
    file: 'media/status-observed-configured-predicted.png',
    result: trace(
      model(join(lab, 'manifests/cluster.yaml'), [
        join(lab, 'c1-service-two-nodes.node1.txt'),
        join(lab, 'c1-service-two-nodes.node2.txt'),
      ]),
      'frontend',
      'api:80',
    ),
    phase: 'connect',
    focus: 'configured',
  },
  {
    file: 'media/status-missing.png',
    result: trace(
      model(join(broken, '2-forward-drop/manifests.yaml'), [join(broken, '2-forward-drop/broken.txt')]),
      'client',
      '10.96.0.21:80',
    ),
    phase: 'connect',
    focus: 'missing',
  },
  {
    file: 'media/status-contradicted.png',
    result: trace(
      model(join(broken, '3-bridge-nf-off/manifests.yaml'), [join(broken, '3-bridge-nf-off/broken.txt')]),
      'client',
      '10.96.0.20:80',
    ),
    phase: 'reply',
    focus: 'contradicted',
  },
];

async function main(): Promise<void> {
  const panel = await openPanel({ theme: 'dark', viewport: { width: 1500, height: 1000 } });
  try {
    for (const shot of shots) {
      const flow = shot.result.flows[0];
      const phase = flow.phases.findIndex((p) => p.name === shot.phase);
      await panel.post({
        type: 'show',
        payload: buildPayload(shot.result).payload,
        state: { version: 1, result: shot.result, ui: { flow: 0, phase: phase + 1, zoom: 0 } },
      });
      await panel.page.waitForSelector('#app[data-state="rendered"]', { timeout: 30_000 });
      // Page code is a string: this script is type-checked without DOM types.
      await panel.page.evaluate(`(() => {
        const step = document.querySelector('.step.kpp-${shot.focus}');
        step?.scrollIntoView({ block: 'center' });
        const arrow = document.querySelector('#diagram .kpp-${shot.focus}');
        arrow?.scrollIntoView({ block: 'center', inline: 'center' });
      })()`);
      await panel.page.waitForTimeout(300);
      await panel.page.screenshot({ path: shot.file });
      console.log(`${shot.file}: ${flow.title}, phase ${shot.phase}`);
    }
  } finally {
    await panel.close();
  }
}

void main();
