import * as l10n from '@vscode/l10n';
import { ipOf, reconstructConnections } from '../../flow/correlate/connections';
import { resolveTarget } from '../../flow/resolve';
import type { DocumentResult } from '../../ingest/document';
import { namespacedName, packetsOf, shortened, type ClusterModel, type Pod } from '../../model';

/**
 * What a pasted terminal session holds and which flows it lets us trace (no `vscode`):
 * a summary per block, and FROM → TO pairs built from who ran commands (kubectl exec hosts,
 * resolv.conf owners, pods seen sending in captures) and what they reached (looked-up names,
 * Service and pod addresses in captures). Only pairs the model resolves are offered.
 */

export interface BlockSummary {
  format: string;
  command: string | null;
  host?: string;
  startLine: number;
  endLine: number;
  records: number;
  unparsed: number;
}

export interface FlowSuggestion {
  from: string;
  to: string;
  why: string;
}

const MAX_SUGGESTIONS = 20;

export function summarizeBlocks(doc: DocumentResult): BlockSummary[] {
  return doc.blocks.map((block) => ({
    format: block.format,
    command: block.command,
    ...(block.host !== undefined ? { host: block.host } : {}),
    startLine: block.startLine,
    endLine: block.endLine,
    records: block.result.records,
    unparsed: block.result.unparsed.length,
  }));
}

/** One line per block, e.g. `tcpdump, lines 3–40 ($ tcpdump -i any …) on b-app: 37 records, 0 unparsed`. */
export function describeBlock(block: BlockSummary): string {
  const command = block.command ? ` ($ ${shortened(block.command, 80)})` : '';
  return block.host
    ? l10n.t(
        '{0}, lines {1}–{2}{3} on {4}: {5} records, {6} unparsed',
        block.format,
        block.startLine,
        block.endLine,
        command,
        block.host,
        block.records,
        block.unparsed,
      )
    : l10n.t(
        '{0}, lines {1}–{2}{3}: {4} records, {5} unparsed',
        block.format,
        block.startLine,
        block.endLine,
        command,
        block.records,
        block.unparsed,
      );
}

function podOf(model: ClusterModel, text: string): Pod | undefined {
  try {
    const target = resolveTarget(model, text, 'source');
    return target.kind === 'pod' ? target.pod : undefined;
  } catch {
    return undefined;
  }
}

function resolves(model: ClusterModel, to: string, client: Pod): boolean {
  try {
    const host = to.replace(/:\d+(\/\w+)?$/, '');
    const target = resolveTarget(model, host, 'destination', client);
    return !(target.kind === 'pod' && target.pod === client);
  } catch {
    return false;
  }
}

export function suggestFlows(doc: DocumentResult, model: ClusterModel): FlowSuggestion[] {
  const clients = new Map<string, { pod: Pod; why: string }>();
  const addClient = (text: string | undefined, why: string) => {
    if (!text) return;
    const pod = podOf(model, text);
    if (pod && !clients.has(namespacedName(pod))) clients.set(namespacedName(pod), { pod, why });
  };
  for (const block of doc.blocks) if (block.host) addClient(block.host, l10n.t('commands ran in {0}', block.host));
  const out: FlowSuggestion[] = [];
  const seen = new Set<string>();
  const add = (from: Pod, to: string, why: string) => {
    const key = `${namespacedName(from)}→${to}`;
    if (seen.has(key) || out.length >= MAX_SUGGESTIONS || !resolves(model, to, from)) return;
    seen.add(key);
    out.push({ from: namespacedName(from), to, why });
  };
  for (const fact of doc.facts)
    if (fact.kind === 'DnsConfig')
      addClient(fact.owner, l10n.t('its resolv.conf is in the paste (line {0})', fact.evidence[0]?.line ?? '?'));
  // Names looked up first (they include the DNS phase), then Services, then pods seen in captures.
  for (const fact of doc.facts) {
    if (fact.kind !== 'DnsLookup') continue;
    const name = fact.question.name.replace(/\.$/, '');
    const owner = fact.client ? podOf(model, fact.client) : undefined;
    const froms = owner ? [owner] : [...clients.values()].map((candidate) => candidate.pod);
    for (const client of froms)
      add(client, name, l10n.t('{0} {1} at line {2}', fact.tool, name, fact.evidence[0]?.line ?? '?'));
  }
  // Then every connection the captures hold, from its client to where it was sent, whether or not
  // anything else names them (a pod address, a ClusterIP the rules name, a NodePort).
  for (const connection of reconstructConnections(packetsOf(doc.facts))) {
    if (out.length >= MAX_SUGGESTIONS) break;
    const first = connection.original.sightings[0];
    if (first.frame.dns) continue;
    const clientIp = ipOf(connection.client);
    const sentTo =
      connection.protocol === 'icmp'
        ? ipOf(connection.original.to)
        : `${connection.original.to}${connection.protocol === 'udp' ? '/udp' : ''}`;
    const owner = model.byIp(clientIp).find((candidate) => candidate.role === 'pod');
    const from = owner?.role === 'pod' ? namespacedName(owner.pod) : clientIp;
    const key = `${from}→${sentTo}`;
    if (seen.has(key) || !traceable(model, from, sentTo)) continue;
    seen.add(key);
    out.push({
      from,
      to: sentTo,
      why: l10n.t(
        'connection {0} → {1} ({2}) captured at line {3}',
        connection.client,
        connection.original.to,
        connection.outcome,
        first.packet.evidence[0]?.line ?? 0,
      ),
    });
  }
  return out;
}

/** True when the trace can resolve both ends (by name, or by what the captures and rules show). */
function traceable(model: ClusterModel, from: string, to: string): boolean {
  try {
    resolveTarget(model, from, 'source');
    resolveTarget(model, to.replace(/:\d+(\/\w+)?$/, ''), 'destination');
    return true;
  } catch {
    return false;
  }
}

/** An open document as the paste command sees it. */
export interface PasteDocument {
  uri: string;
  untitled: boolean;
  text: string;
}

/** What "Analyze Pasted Output" reads, in this order. */
export type PasteSource =
  /** The active editor's selection. */
  | { kind: 'selection' }
  /**
   * A document that already holds the text: the active untitled editor the user pasted into, or one
   * this command opened.
   */
  | { kind: 'document'; uri: string }
  /** The clipboard (or the text given), not in any open document yet: open one untitled document for it. */
  | { kind: 'new'; text: string }
  /** Nothing to read: open an empty editor to paste into. */
  | { kind: 'empty' };

/** Length of `text` without its trailing white space (read from the end: a 200 MB paste is not copied). */
function trimmedLength(text: string): number {
  let end = text.length;
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  return end;
}

const sameText = (first: string, second: string) => {
  const length = trimmedLength(first);
  return (
    length === trimmedLength(second) &&
    (length === first.length ? first : first.slice(0, length)) === second.slice(0, length)
  );
};

/**
 * Which text to analyze, never opening a second copy of one paste: text given by a caller,
 * else the selection, else the active untitled document when it holds something, else the
 * clipboard (`clipboard` is read only then). A text already held by an open untitled document
 * is analyzed there.
 */
export async function pasteSource(input: {
  given?: string;
  selection: boolean;
  active?: PasteDocument;
  untitled: readonly PasteDocument[];
  clipboard: () => Thenable<string>;
}): Promise<PasteSource> {
  if (input.given === undefined && input.selection) return { kind: 'selection' };
  if (input.given === undefined && input.active?.untitled && input.active.text.trim())
    return { kind: 'document', uri: input.active.uri };
  const text = input.given ?? (await input.clipboard());
  if (!text.trim()) return { kind: 'empty' };
  const holder = [input.active, ...input.untitled].find((paste) => paste?.untitled && sameText(paste.text, text));
  return holder ? { kind: 'document', uri: holder.uri } : { kind: 'new', text };
}
