// Mocha reporter for the in-VS Code suites: prints like `spec` and, when KPP_TEST_RESULTS
// names a file, writes every test's outcome there as JSON, so a harness outside the
// extension host (code-server + Playwright, or @vscode/test-electron) can count them.
'use strict';
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');

class KppReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const tests = [];
    const record = (state) => (test, err) => tests.push({
      title: test.fullTitle(),
      file: test.file,
      state,
      durationMs: test.duration,
      error: err ? String(err.stack || err.message || err) : undefined,
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, record('passed'));
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, record('failed'));
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, record('pending'));
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.KPP_TEST_RESULTS;
      if (file) writeFileSync(file, JSON.stringify({ tests }, null, 2));
    });
  }
}
module.exports = KppReporter;
