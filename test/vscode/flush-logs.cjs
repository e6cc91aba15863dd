// Preloaded by @vscode/test-cli's runner (see build.mjs): after the last test, give VS Code's
// log channels a moment to write their files before the extension host is stopped, so the
// harness can check them (test/e2e/suites/activation.e2e.mjs).
'use strict';
exports.mochaGlobalTeardown = () => new Promise((resolve) => setTimeout(resolve, 1500));
