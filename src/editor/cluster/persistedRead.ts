import * as vscode from 'vscode';
import type { Fact } from '../../model';
import { buildModel, factsOf } from '../workspace/modelParts.pure';
import type { ClusterSnapshot } from './state';

/**
 * The last cluster read of each context, kept in the workspace's storage so a window reload
 * does not lose it (issue 16): what was read (the model's facts), when, and its summary. The
 * watch's later changes replace the facts (at most once a second), so a reload keeps the latest
 * state, not the first read. It is restored for the context in use, says when it was read, and
 * never contacts the cluster; "Refresh from Cluster" replaces it.
 */

const KEY = 'kubePacketPath.clusterReads';
/** Above this the read is not kept (workspace storage is not meant for large data). */
const MAX_CHARS = 8 * 1024 * 1024;
/** Watch changes come in bursts (a rollout): the storage is written at most this often. */
const WATCH_SAVE_DELAY_MS = 1000;

interface SavedRead {
  at: string;
  headline: string;
  level: string;
  server?: string;
  counts: Record<string, number>;
  facts: Fact[];
  /** Set once the watch changed the read: how many changes, and the last one. */
  watch?: { changes: number; last: string };
}

export interface RestoredRead {
  snapshot: ClusterSnapshot;
  headline: string;
  level: string;
}

export class PersistedClusterReads implements vscode.Disposable {
  private watchSave?: { timer: NodeJS.Timeout; snapshot: ClusterSnapshot };

  constructor(
    private readonly storage: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async save(snapshot: ClusterSnapshot, headline: string, level: string): Promise<void> {
    const { result } = snapshot;
    if (result.cancelled || level === 'error') return;
    this.cancelWatchSave();
    await this.write(result.context, {
      at: snapshot.at.toISOString(),
      headline,
      level,
      counts: result.counts,
      facts: factsOf(snapshot.model),
      ...(result.server ? { server: result.server } : {}),
    });
  }

  /** A watch change: kept (after a short delay) over the read it started from, with its summary. */
  saveWatchChange(snapshot: ClusterSnapshot): void {
    if (!snapshot.watch) return;
    if (this.watchSave) {
      this.watchSave.snapshot = snapshot;
      return;
    }
    const pending = { snapshot, timer: setTimeout(() => void this.flush(), WATCH_SAVE_DELAY_MS) };
    this.watchSave = pending;
  }

  /** Writes the pending watch change now (the watch stopped, or the window closes). */
  async flush(): Promise<void> {
    const pending = this.watchSave;
    if (pending) clearTimeout(pending.timer);
    this.watchSave = undefined;
    const watch = pending?.snapshot.watch;
    if (!pending || !watch) return;
    const { snapshot } = pending;
    const context = snapshot.result.context;
    const pulled = this.storage.get<Record<string, SavedRead>>(KEY, {})[context];
    // The pull was not kept (an error, too large): there is no summary to keep the changes under.
    if (!pulled) return;
    const facts = factsOf(snapshot.model);
    await this.write(context, { ...pulled, at: snapshot.at.toISOString(), facts, watch });
    this.log.info(
      `kept the watch's latest state of context '${context}' for a reload ` +
        `(${watch.changes} changes, last ${watch.last})`,
    );
  }

  private cancelWatchSave(): void {
    if (this.watchSave) clearTimeout(this.watchSave.timer);
    this.watchSave = undefined;
  }

  private async write(context: string, read: SavedRead): Promise<void> {
    const size = JSON.stringify(read).length;
    if (size > MAX_CHARS) {
      this.log.info(`cluster read of '${context}' not kept for a reload: ${size} characters`);
      return;
    }
    const all = { ...this.storage.get<Record<string, SavedRead>>(KEY, {}), [context]: read };
    await this.storage.update(KEY, all);
  }

  /** A pending watch change is written now (the window is closing). */
  dispose(): void {
    void this.flush();
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
    const when = read.watch
      ? vscode.l10n.t(
          'then {0} changes from the watch, the last {1} at {2}; kept from before the reload',
          read.watch.changes,
          read.watch.last,
          at.toLocaleString(),
        )
      : vscode.l10n.t('read at {0}, kept from before the reload', at.toLocaleString());
    this.log.info(
      `restored the cluster read of context '${context}' ` +
        `(${read.facts.length} facts, ${read.at}${read.watch ? `, ${read.watch.changes} watch changes` : ''})`,
    );
    return { snapshot, headline: `${read.headline} (${when})`, level: read.level };
  }
}
