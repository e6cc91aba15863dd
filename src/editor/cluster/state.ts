import * as vscode from 'vscode';
import type { ClusterModel } from '../../model';
import type { PullResult } from '../../cluster/reader';

/** The last cluster read, for whoever traces packets (merge `model` into the working model). */
export interface ClusterSnapshot {
  result: PullResult;
  model: ClusterModel;
  at: Date;
  /**
   * Set when the model was updated by the watch (kubePacketPath.cluster.watch) rather than
   * by a full pull: how many changes arrived since the pull, and the last one.
   */
  watch?: { changes: number; last: string };
}

let last: ClusterSnapshot | undefined;
const emitter = new vscode.EventEmitter<ClusterSnapshot>();

export const onDidReadCluster: vscode.Event<ClusterSnapshot> = emitter.event;

export function lastClusterRead(): ClusterSnapshot | undefined {
  return last;
}

export function setClusterRead(snapshot: ClusterSnapshot): void {
  last = snapshot;
  emitter.fire(snapshot);
}

export function disposeClusterState(): void {
  emitter.dispose();
}
