import * as vscode from 'vscode';
import type { Fact } from '../../model';
import { buildModel, factsOf } from '../workspace/modelParts.pure';
import type { ClusterSnapshot } from './state';

/**
 * The last cluster read of each context, kept in the workspace's storage so a window reload
 * does not lose it (issue 16): what was read (the model's facts), when, and its summary. It is
 * restored for the context in use, says when it was read, and never contacts the cluster;
 * "Refresh from Cluster" replaces it.
 */

const KEY = 'kubePacketPath.clusterReads';
/** Above this the read is not kept (workspace storage is not meant for large data). */
const MAX_CHARS = 8 * 1024 * 1024;

interface SavedRead {
  at: string;
  headline: string;
  level: string;
  server?: string;
  counts: Record<string, number>;
  facts: Fact[];
}

export interface RestoredRead {
  snapshot: ClusterSnapshot;
  headline: string;
  level: string;
}

export class PersistedClusterReads {
  constructor(
    private readonly storage: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async save(snapshot: ClusterSnapshot, headline: string, level: string): Promise<void> {
    const { result } = snapshot;
    if (result.cancelled || level === 'error') return;
    const read: SavedRead = {
      at: snapshot.at.toISOString(),
      headline,
      level,
      counts: result.counts,
      facts: factsOf(snapshot.model),
      ...(result.server ? { server: result.server } : {}),
    };
    const size = JSON.stringify(read).length;
    if (size > MAX_CHARS) {
      this.log.info(`cluster read of '${result.context}' not kept for a reload: ${size} characters`);
      return;
    }
    const all = { ...this.storage.get<Record<string, SavedRead>>(KEY, {}), [result.context]: read };
    await this.storage.update(KEY, all);
  }

  restore(context: string): RestoredRead | undefined {
    const read = this.storage.get<Record<string, SavedRead>>(KEY, {})[context];
    if (!read || !Array.isArray(read.facts)) return undefined;
    const at = new Date(read.at);
    const model = buildModel([read.facts]);
    const snapshot: ClusterSnapshot = {
      result: {
        context,
        sink: model,
        problems: [],
        counts: read.counts,
        requests: 0,
        complete: true,
        cancelled: false,
        ...(read.server ? { server: read.server } : {}),
      },
      model,
      at,
    };
    const when = vscode.l10n.t('read at {0}, kept from before the reload', at.toLocaleString());
    this.log.info(`restored the cluster read of context '${context}' (${read.facts.length} facts, ${read.at})`);
    return { snapshot, headline: `${read.headline} (${when})`, level: read.level };
  }
}
