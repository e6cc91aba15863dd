// Checks of the built diagram webview in headless Chromium, outside VS Code (the page
// is the panel's real HTML and CSP, with a stub acquireVsCodeApi; see
// bench/webview/panelPage.ts). Bundled and run by diagram-webview.e2e.mjs.
// Page code is written as strings: this file is type-checked without DOM types.
import assert from 'node:assert/strict';
import type { Flow, TraceResult } from '../../../src/flow/types';
import type { HostToWebview } from '../../../src/protocol/messages';
import { cleanLabel } from '../../../src/render/escape';
import { buildPayload } from '../../../src/render/payload';
import { indexSteps } from '../../../src/render/steps';
import { openPanel, type PanelHarness } from '../../../bench/webview/panelPage';
import { podToService } from '../../unit/render/flows';
import { HOSTILE } from '../../unit/render/hostile';

const show = (result: TraceResult, ui?: { flow: number; phase: number; zoom: number }): HostToWebview => ({
  type: 'show',
  payload: buildPayload(result).payload,
  state: { version: 1, result, ui },
});

async function showAndWait(panel: PanelHarness, message: HostToWebview, state = 'rendered'): Promise<void> {
  await panel.page.evaluate(`document.getElementById('app').dataset.state = 'pending'`);
  await panel.post(message);
  await panel.page
    .locator('#app[data-state="rendered"], #app[data-state="error"], #app[data-state="problem"]')
    .waitFor({ timeout: 60_000 });
  assert.equal(await panel.page.getAttribute('#app', 'data-state'), state, await panel.page.innerText('#app'));
}

/** Texts of each drawn message (its lines joined by a space), in drawing order. */
const MESSAGE_TEXTS = `(() => {
  const out = []; let cur = [];
  for (const el of document.querySelectorAll('#diagram .messageText, #diagram .messageLine0, #diagram .messageLine1')) {
    // The panel adds a <title> (tooltip) to the first line of each message: not shown text.
    if (el.classList.contains('messageText')) cur.push([...el.childNodes].filter((n) => n.nodeName !== 'title').map((n) => n.textContent).join('').replace(/\\s*$/, ''));
    else { out.push(cur.join(' ')); cur = []; }
  }
  return out;
})()`;

function hostileFlow(): Flow {
  const names = [...HOSTILE, '<img src=x onerror="window.__pwned=1">', '<script>window.__pwned=2</script>'];
  const actors = names.map((n, i) => ({ id: `a${i}`, kind: 'pod' as const, name: n, group: i % 2 ? n : undefined }));
  return {
    title: names[0],
    family: 'pod-to-pod',
    actors,
    phases: [
      {
        name: names[1],
        steps: names.map((n, i) => ({
          from: `a${i}`,
          to: `a${(i + 1) % names.length}`,
          label: n,
          explanation: n,
          status: 'observed' as const,
          kind: 'packet' as const,
          evidence: [],
        })),
      },
    ],
    findings: [],
    unresolved: [],
  };
}

export async function run(report: (name: string, fn: () => Promise<void>) => Promise<void>): Promise<void> {
  const panel = await openPanel({ viewport: { width: 1400, height: 900 } });
  await panel.page.evaluate(
    `window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI))`,
  );
  try {
    await report('hostile names are drawn as text: no markup, no script, no CSP violation', async () => {
      const flow = hostileFlow();
      await showAndWait(panel, show({ flows: [flow], unresolved: [] }));
      const texts = (await panel.page.evaluate(MESSAGE_TEXTS)) as string[];
      assert.deepEqual(
        texts,
        indexSteps(flow).map((s) => cleanLabel(s.step.label)),
      );
      const tags = (await panel.page.evaluate(
        `[...new Set([...document.querySelectorAll('#diagram svg *')].map((e) => e.localName))]`,
      )) as string[];
      for (const bad of ['script', 'img', 'a', 'iframe', 'foreignObject', 'use'])
        assert.ok(!tags.includes(bad), `<${bad}> in the SVG: ${tags.join(' ')}`);
      assert.equal(await panel.page.evaluate('window.__pwned'), undefined);
      assert.deepEqual(await panel.page.evaluate('window.__violations'), []);
      const actors = (await panel.page.locator('#diagram text.actor').allTextContents()).map((t) => t.trim());
      for (const a of flow.actors.slice(0, 5))
        assert.ok(
          actors.includes(cleanLabel(a.name, 60)),
          `${JSON.stringify(a.name)} shown as ${JSON.stringify(actors)}`,
        );
    });

    await report('clicking an arrow selects its step and posts openEvidence with that step’s evidence id', async () => {
      const result = { flows: [podToService()], unresolved: [] };
      const { payload } = buildPayload(result);
      await showAndWait(panel, show(result));
      const step = payload.flows[0].steps.find((s) => s.evidence.some((e) => e.openable) && s.from !== s.to)!;
      await panel.page.evaluate('window.__posted.length = 0');
      // A horizontal line has no height, so Playwright calls it invisible: click its middle anyway.
      await panel.page.locator(`#diagram line.kpp-hit[data-step="${step.index}"]`).click({ force: true });
      const posted = await panel.posted();
      assert.deepEqual(
        posted.filter((m) => m.type === 'openEvidence'),
        [{ type: 'openEvidence', id: step.evidence.find((e) => e.openable)!.id }],
      );
      assert.equal(await panel.page.locator(`#step-${step.index}.selected`).count(), 1);
      // Keyboard: arrow labels are focusable buttons; Enter does what a click does.
      await panel.page.evaluate('window.__posted.length = 0');
      await panel.page.locator(`#diagram text.kpp-step[data-step="${step.index}"][tabindex="0"]`).focus();
      await panel.page.keyboard.press('Enter');
      assert.deepEqual((await panel.posted()).filter((m) => m.type === 'openEvidence').length, 1);
    });

    await report('phase tabs draw one phase; the step list follows', async () => {
      const result = { flows: [podToService()], unresolved: [] };
      await showAndWait(panel, show(result));
      await panel.page.evaluate(`document.getElementById('app').dataset.state = 'pending'`);
      await panel.page.locator('vscode-tab-header', { hasText: '3 · reply' }).click();
      await panel.page.locator('#app[data-state="rendered"]').waitFor({ timeout: 30_000 });
      assert.equal(await panel.page.locator('#diagram .kpp-hit').count(), 1);
      assert.equal(await panel.page.locator('#side li.step').count(), 1);
    });

    await report('several flows: the flow picker switches the diagram and the step list', async () => {
      const result = { flows: [podToService(), hostileFlow()], unresolved: [] };
      await showAndWait(panel, show(result));
      assert.equal(await panel.page.locator('#side li.step').count(), indexSteps(result.flows[0]).length);
      await panel.page.evaluate(`document.getElementById('app').dataset.state = 'pending'`);
      await panel.page.evaluate(
        `(() => { const s = document.getElementById('flow-picker'); s.value = '1'; s.dispatchEvent(new Event('change')); })()`,
      );
      await panel.page.locator('#app[data-state="rendered"]').waitFor({ timeout: 30_000 });
      assert.equal(await panel.page.locator('#side li.step').count(), indexSteps(result.flows[1]).length);
      const views = (await panel.posted()).filter((m) => m.type === 'viewChanged');
      assert.deepEqual(views[views.length - 1], {
        type: 'viewChanged',
        ui: { flow: 1, phase: 0, zoom: (views[views.length - 1].ui as { zoom: number }).zoom },
      });
    });

    await report('a diagram Mermaid cannot draw shows its error and keeps the step list', async () => {
      const result = { flows: [podToService()], unresolved: [] };
      const message = show(result);
      if (message.type !== 'show') throw new Error('unreachable');
      message.payload.flows[0].diagrams[0].mermaid = 'sequenceDiagram\n  p0->>: broken';
      await showAndWait(panel, message, 'error');
      assert.match(await panel.page.innerText('#diagram'), /Mermaid could not draw this flow/);
      assert.equal(await panel.page.locator('#side li.step').count(), indexSteps(result.flows[0]).length);
      assert.equal((await panel.posted()).filter((m) => m.type === 'error').length > 0, true);
      assert.equal(
        await panel.page.locator('body > [id*="kpp-diagram"]').count(),
        0,
        'Mermaid left no scratch element behind',
      );
    });

    await report('export buttons post Mermaid/Markdown requests and a standalone SVG', async () => {
      await showAndWait(panel, show({ flows: [podToService()], unresolved: [] }));
      await panel.page.evaluate('window.__posted.length = 0');
      for (const id of ['export-mermaid', 'export-markdown', 'export-svg']) await panel.page.locator(`#${id}`).click();
      const posted = (await panel.posted()).filter((m) => m.type === 'export');
      assert.deepEqual(
        posted.map((m) => m.format),
        ['mermaid', 'markdown', 'svg'],
      );
      const svg = String(posted[2].svg);
      assert.match(svg, /^<svg[\s>]/);
      assert.ok(!svg.includes('kpp-hit') && !svg.includes('data-step'), 'click helpers are stripped');
      assert.match(svg, /xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    });

    await report(
      'a VS Code theme switch (dark, high contrast light) redraws the diagram in the new colours',
      async () => {
        await panel.setTheme('light');
        await showAndWait(panel, show({ flows: [podToService()], unresolved: [] }));
        const light = await panel.page.locator('#diagram svg style').first().textContent();
        await panel.page.evaluate(`document.getElementById('app').dataset.state = 'pending'`);
        await panel.setTheme('dark');
        await panel.page.locator('#app[data-state="rendered"]').waitFor({ timeout: 30_000 });
        const dark = await panel.page.locator('#diagram svg style').first().textContent();
        assert.notEqual(dark, light);
        assert.match(dark ?? '', /#cccccc/i, 'the dark theme’s foreground is used');
        assert.equal(await panel.page.getAttribute('#app', 'data-theme'), 'dark');
        // High Contrast Light carries both HC classes: the kind attribute decides, and borders use contrastBorder.
        await panel.page.evaluate(`document.getElementById('app').dataset.state = 'pending'`);
        await panel.setTheme('hc-light');
        await panel.page.locator('#app[data-state="rendered"]').waitFor({ timeout: 30_000 });
        assert.equal(await panel.page.getAttribute('#app', 'data-theme'), 'hc-light');
        assert.match((await panel.page.locator('#diagram svg style').first().textContent()) ?? '', /#0f4a85/i);
        await panel.setTheme('light');
      },
    );

    await report('no flow: the panel explains why and lists the commands that help (never blank)', async () => {
      await showAndWait(
        panel,
        show({ flows: [], unresolved: ['source b-pod: no pod, node or IP by that name'] }),
        'problem',
      );
      const text = await panel.page.innerText('#problem');
      assert.match(text, /No flow could be traced/);
      assert.match(text, /source b-pod: no pod, node or IP by that name/);
      assert.match(text, /iptables-save -t nat/);
      assert.equal(await panel.page.locator('#export-svg').isHidden(), true);
    });

    await report('a first flow drawn while the others are built: the rest comes without drawing it again', async () => {
      const flows = [podToService(), { ...podToService(), title: 'second flow' }];
      const whole = { flows, unresolved: ['a note about the whole trace'] };
      const first = { flows: flows.slice(0, 1), unresolved: [] };
      // as the panel posts a payload made in the parse worker: its JSON as bytes
      const encoded = (result: TraceResult, flowCount: number, completes: boolean) => {
        const content = { payload: buildPayload(result, flowCount).payload, state: { version: 1, result } };
        const bytes = `new TextEncoder().encode(${JSON.stringify(JSON.stringify(content))})`;
        return `window.dispatchEvent(new MessageEvent('message', { data: { type: 'showEncoded', bytes: ${bytes}${completes ? ', completes: true' : ''} } }))`;
      };
      await panel.page.evaluate(`document.getElementById('app').dataset.state = 'pending'`);
      await panel.page.evaluate(encoded(first, 2, false));
      await panel.page.locator('#app[data-state="rendered"]').waitFor({ timeout: 60_000 });
      assert.equal(await panel.page.innerText('#title'), '2 flows');
      assert.equal(await panel.page.locator('#flow-picker').count(), 0, 'no picker of one flow');
      await panel.page.evaluate(`document.querySelector('#diagram svg').dataset.kept = 'yes'`);
      await panel.page.evaluate(encoded(whole, 2, true));
      await panel.page.locator('#flow-picker').waitFor({ timeout: 10_000 });
      assert.equal(await panel.page.locator('#flow-picker vscode-option').count(), 2, 'every flow in the picker');
      assert.equal(await panel.page.getAttribute('#diagram svg', 'data-kept'), 'yes', 'the first flow not drawn again');
      assert.match(await panel.page.innerText('#side'), /a note about the whole trace/);
      const state = (await panel.page.evaluate('window.__state')) as { result: TraceResult };
      assert.equal(state.result.flows.length, 2, 'the state a reload restores holds every flow');
      // the second flow can be picked as ever
      await panel.page.evaluate(
        `(() => { const s = document.getElementById('flow-picker'); s.value = '1'; s.dispatchEvent(new Event('change')); })()`,
      );
      await panel.page.locator('#app[data-state="rendered"]').waitFor({ timeout: 60_000 });
      assert.equal(await panel.page.getAttribute('#diagram svg', 'data-kept'), null, 'the second flow drawn');
    });

    await report('the panel state is persisted for the serializer (result and view)', async () => {
      const result = { flows: [podToService()], unresolved: [] };
      await showAndWait(panel, show(result, { flow: 0, phase: 2, zoom: 0.8 }));
      const state = (await panel.page.evaluate('window.__state')) as {
        version: number;
        result: TraceResult;
        ui: { phase: number; zoom: number };
      };
      assert.equal(state.version, 1);
      assert.deepEqual(state.result, result);
      assert.equal(state.ui.phase, 2);
      assert.equal(state.ui.zoom, 0.8);
      // The host is told too, so a hidden-then-shown panel and the export commands know the view.
      const views = (await panel.posted()).filter((m) => m.type === 'viewChanged');
      assert.deepEqual(views[views.length - 1], { type: 'viewChanged', ui: { flow: 0, phase: 2, zoom: 0.8 } });
    });
  } finally {
    await panel.close();
  }
}
