// The in-VS Code tests use mocha's tdd globals (suite, test, suiteSetup...), provided at
// run time by @vscode/test-cli's runner. This reference keeps the root type-check
// (which includes test/**) working for these files too.
/// <reference types="mocha" />
