import type { ConnectionSummary, Flow } from '../../flow/types';

/**
 * How the panel's flow picker names a flow. A trace gives one flow per captured connection,
 * titled "… · connection N of M", which reads the same for every entry: the picker adds the
 * connection's own addresses and where it ended (its endpoint pod, shortened, and node), e.g.
 * `2. b-app → Service a-app:80 · connection 2 of 3 · 10.244.0.170:34116 → 10.244.0.160:80
 * (api-…-k2x4p, node1)`.
 */

const MAX_POD = 20;

/** `api-7d9c8b6f5-k2x4p` → `api-…-k2x4p` when long: the tail tells pods of one ReplicaSet apart. */
export function shortPod(name: string): string {
  if (name.length <= MAX_POD) return name;
  const parts = name.split('-');
  if (parts.length >= 3) return `${parts[0]}-…-${parts[parts.length - 1]}`;
  return `${name.slice(0, MAX_POD - 1)}…`;
}

/** The connection in one line: client → where it went (after DNAT when captured), its pod and node. */
export function connectionText(connection: ConnectionSummary, count: number): string {
  const to = connection.translated ?? connection.original;
  const where = [
    connection.endpoint?.pod && shortPod(connection.endpoint.pod),
    connection.endpoint?.node ?? (connection.nodes.length === 1 ? connection.nodes[0] : undefined),
  ].filter(Boolean);
  const place = where.length ? ` (${where.join(', ')})` : '';
  return `connection ${connection.number} of ${count} · ${connection.client} → ${to}${place}`;
}

export function flowPickerLabel(flow: Pick<Flow, 'title' | 'connections' | 'connection'>, index: number): string {
  const connection = flow.connection !== undefined ? flow.connections?.[flow.connection] : undefined;
  if (!connection || !flow.connections) return `${index + 1}. ${flow.title}`;
  const base = flow.title.replace(/\s*·\s*connection \d+ of \d+$/, '');
  return `${index + 1}. ${base} · ${connectionText(connection, flow.connections.length)}`;
}
