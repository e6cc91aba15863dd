/** Writes kubeconfig files (JSON, which is valid YAML for both client-node and kubectl) pointing at a fake server. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KubeconfigSpec {
  server: string;
  caPem?: string;
  token?: string;
  /** A kubeconfig `exec` credential plugin instead of a token. */
  exec?: { command: string; args?: string[] };
  insecureSkipTlsVerify?: boolean;
  context?: string;
  namespace?: string;
}

export function kubeconfigObject(spec: KubeconfigSpec): Record<string, unknown> {
  const context = spec.context ?? 'fake';
  const user: Record<string, unknown> = {};
  if (spec.token) user.token = spec.token;
  if (spec.exec)
    user.exec = {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: spec.exec.command,
      args: spec.exec.args ?? [],
      interactiveMode: 'Never',
    };
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: `${context}-cluster`,
        cluster: {
          server: spec.server,
          ...(spec.caPem ? { 'certificate-authority-data': Buffer.from(spec.caPem).toString('base64') } : {}),
          ...(spec.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
        },
      },
    ],
    users: [{ name: `${context}-user`, user }],
    contexts: [
      {
        name: context,
        context: {
          cluster: `${context}-cluster`,
          user: `${context}-user`,
          ...(spec.namespace ? { namespace: spec.namespace } : {}),
        },
      },
    ],
    'current-context': context,
    preferences: {},
  };
}

export function writeKubeconfig(dir: string, file: string, spec: KubeconfigSpec): string {
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(kubeconfigObject(spec), null, 2), { mode: 0o600 });
  return path;
}
