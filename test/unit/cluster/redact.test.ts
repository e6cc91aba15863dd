import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets } from '../../../src/cluster/redact';

test('Authorization headers, kubeconfig secret fields, PEM keys and JWTs are removed', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXN0dWZm';
  const text = [
    'request failed: {"Authorization":"Bearer abc.def-123","Accept":"application/json"}',
    'authorization: Basic dXNlcjpwYXNz',
    'user: { token: s3cr3t-token-value, client-key-data: LS0tLS1CRUdJTi }',
    '"password": "hunter2", "id-token": "x.y.z"',
    '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI...\n-----END EC PRIVATE KEY-----',
    `stderr: got ${jwt}`,
  ].join('\n');
  const out = redactSecrets(text);
  for (const secret of [
    'abc.def-123',
    'dXNlcjpwYXNz',
    's3cr3t-token-value',
    'LS0tLS1CRUdJTi',
    'hunter2',
    'x.y.z',
    'MHcCAQEEI',
    jwt,
  ]) {
    assert.ok(!out.includes(secret), `${secret} leaked in:\n${out}`);
  }
  assert.match(out, /"Accept":"application\/json"/, 'harmless text stays');
  assert.match(out, /<redacted private key>/);
});

test('known secret values are removed wherever they appear', () => {
  assert.equal(
    redactSecrets('exec plugin said: my-opaque-credential-42 is invalid', ['my-opaque-credential-42']),
    'exec plugin said: <redacted> is invalid',
  );
  assert.equal(
    redactSecrets('cannot list pods at cluster scope: RBAC forbids (403)'),
    'cannot list pods at cluster scope: RBAC forbids (403)',
  );
});

test('user:password@ in a URL is redacted, the host is kept', () => {
  assert.equal(
    redactSecrets('cannot reach https://admin:s3cret-pass@10.0.0.1:6443/api: refused'),
    'cannot reach https://<redacted>@10.0.0.1:6443/api: refused',
  );
  assert.equal(redactSecrets('proxy http://tok3n@proxy:3128 failed'), 'proxy http://<redacted>@proxy:3128 failed');
  assert.equal(redactSecrets('https://10.0.0.1:6443 and a@b.c'), 'https://10.0.0.1:6443 and a@b.c');
});
