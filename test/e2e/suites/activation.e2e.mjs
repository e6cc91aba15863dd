// Checks on the logs written while the in-VS Code suite ran (test/vscode/suite): the
// extension host activated Kube Packet Path without errors, and its log channel says so.
import assert from 'node:assert/strict';

export const name = 'activation logs';
export const kind = 'after-host';
const ID = 'kube-packet-path.kube-packet-path';

const extHostLog = (host) => host.logs.filter((l) => /exthost\d*[/\\]remoteexthost\.log$/.test(l.path));
const channelLog = (host) => host.logs.find((l) => l.path.endsWith(`${ID}/Kube Packet Path.log`));

export const tests = [
  [
    'the extension host activated the extension',
    ({ host }) => {
      const logs = extHostLog(host);
      assert.ok(logs.length > 0, 'no extension host log found');
      const text = logs.map((l) => l.text).join('\n');
      assert.match(text, new RegExp(`ExtensionService#_doActivateExtension ${ID.replace(/\./g, '\\.')}`));
    },
  ],
  [
    'the extension host log has no error about the extension',
    ({ host }) => {
      const lines = extHostLog(host)
        .flatMap((l) => l.text.split('\n'))
        .filter((l) => !l.includes(' initData '))
        .filter(
          (l) =>
            /\[error\]/.test(l) &&
            (l.includes(ID) ||
              /kube.?packet.?path/i.test(l) ||
              l.includes('/work/') ||
              /Activating extension .* failed/.test(l)),
        );
      assert.deepEqual(lines, []);
    },
  ],
  [
    'the "Kube Packet Path" log channel records activation and no error',
    ({ host }) => {
      const log = channelLog(host);
      assert.ok(log, `no "Kube Packet Path" log file among:\n${host.logs.map((l) => l.path).join('\n')}`);
      assert.match(log.text, /\[info\] Kube Packet Path activated in \d+ ms/);
      assert.match(log.text, /KUBE-SVC-TCOU7JCQXEZGVUNU/);
      assert.deepEqual(
        log.text.split('\n').filter((l) => /\[error\]/.test(l)),
        [],
      );
    },
  ],
];
