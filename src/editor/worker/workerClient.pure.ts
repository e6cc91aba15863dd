import { Worker } from 'node:worker_threads';
import type { WorkerRequest, WorkerResponse } from './protocol.pure';

/**
 * The extension host's side of the parse worker (no `vscode`): one worker thread, started on the
 * first request and stopped after a minute without one; requests are answered in order. `cancel`
 * terminates the worker — a parse is one synchronous call, so stopping the thread is the only way
 * to stop it — and rejects what was pending with `WorkerCancelled`; the next request starts a new one.
 */

export class WorkerCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'WorkerCancelled';
  }
}

type Answer = Exclude<WorkerResponse, { kind: 'progress' | 'error' | 'part' | 'holding' | 'traceShown' }>;
type Shown = Extract<WorkerResponse, { kind: 'traceShown' }>['value'];
type Part = Extract<WorkerResponse, { kind: 'part' }>;
type Request =
  Exclude<WorkerRequest, { kind: 'text' | 'ack' }> extends infer R
    ? R extends { id: number }
      ? Omit<R, 'id' | 'pieces'>
      : never
    : never;

interface Pending {
  resolve: (answer: Answer) => void;
  reject: (e: Error) => void;
  onProgress?: (message: string, increment?: number) => void;
  /**
   * Reads a part of the answer (see WorkerResponse 'part'); the next part comes after it returns and
   * the event loop turns.
   */
  onPart?: (part: Part) => void;
  /** The worker holds the document of this `parse` request (see WorkerResponse 'holding'). */
  onHolding?: () => void;
  /** What the diagram panel shows of this `trace` request's answer, before it (see WorkerResponse 'traceShown'). */
  onShown?: (shown: Shown) => void;
}

const IDLE_MS = 60_000;
/** Characters of a text posted at once (about 10 ms of the sender's time each). */
const TEXT_PIECE = 2_000_000;

export class WorkerClient {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private idle?: ReturnType<typeof setTimeout>;
  /** Counts the worker threads started: state a worker held is gone when this changes. */
  epoch = 0;
  /** While true (the worker holds documents), the worker is not stopped when idle. */
  holding = false;

  /** @param script the worker bundle (dist/worker.js). */
  constructor(
    private readonly script: string,
    private readonly options: { resourceLimits?: { maxOldGenerationSizeMb?: number }; workerData?: unknown } = {},
  ) {}

  /**
   * Sends a request. A long `text` goes first in pieces, one per turn of the event loop: posting a
   * string copies it on this thread (200 MB at once held the extension host for 0.8 s).
   */
  async request(
    request: Request,
    options: {
      transfer?: ArrayBuffer[];
      onProgress?: Pending['onProgress'];
      onPart?: Pending['onPart'];
      onHolding?: Pending['onHolding'];
      onShown?: Pending['onShown'];
    } = {},
  ): Promise<Answer> {
    let worker = this.start();
    const id = this.nextId++;
    if (this.idle) clearTimeout(this.idle);
    const answer = new Promise<Answer>((resolve, reject) => {
      const { onProgress, onPart, onHolding, onShown } = options;
      this.pending.set(id, { resolve, reject, onProgress, onPart, onHolding, onShown });
    });
    let message = { ...request, id } as WorkerRequest;
    if ('text' in message && message.text.length > TEXT_PIECE) {
      const { text } = message;
      for (let at = 0; at < text.length; at += TEXT_PIECE) {
        if (!this.pending.has(id)) return answer; // cancelled meanwhile
        worker.postMessage({ id, kind: 'text', piece: text.slice(at, at + TEXT_PIECE) } satisfies WorkerRequest);
        await new Promise((resolve) => setImmediate(resolve));
        worker = this.start();
      }
      message = { ...message, text: '', pieces: Math.ceil(text.length / TEXT_PIECE) };
    }
    if (this.pending.has(id)) worker.postMessage(message, options.transfer ?? []);
    return answer;
  }

  /**
   * Starts the worker thread before its first request (it takes 70-150 ms to load its bundle): the
   * request then finds it ready. Stopped again after a minute without a request, as after one.
   */
  warm(): void {
    if (this.worker) return;
    this.start();
    if (this.pending.size === 0 && !this.holding) this.stopWhenIdle();
  }

  /** Stops the worker: pending requests fail with WorkerCancelled. */
  cancel(): void {
    this.stop(new WorkerCancelled());
  }

  dispose(): void {
    this.stop(new WorkerCancelled());
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, this.options);
    this.epoch++;
    worker.unref();
    worker.on('message', (message: WorkerResponse) => this.receive(message));
    worker.on('error', (error) => this.stop(error));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.stop(new Error(`the parse worker stopped (exit code ${code})`));
    });
    return (this.worker = worker);
  }

  private receive(message: WorkerResponse): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.kind === 'progress') {
      pending.onProgress?.(message.message, message.increment);
      return;
    }
    if (message.kind === 'holding') {
      pending.onHolding?.();
      return;
    }
    if (message.kind === 'traceShown') {
      pending.onShown?.(message.value);
      return;
    }
    if (message.kind === 'part') {
      try {
        pending.onPart?.(message);
      } catch (e) {
        this.pending.delete(message.id);
        pending.reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      const worker = this.worker;
      setImmediate(() => worker?.postMessage({ id: message.id, kind: 'ack' } satisfies WorkerRequest));
      return;
    }
    this.pending.delete(message.id);
    if (message.kind === 'error') pending.reject(new Error(message.message));
    else pending.resolve(message);
    if (this.pending.size === 0 && !this.holding) this.stopWhenIdle();
  }

  private stopWhenIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(new WorkerCancelled()), IDLE_MS);
    this.idle.unref?.();
  }

  private stop(reason: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    if (this.idle) clearTimeout(this.idle);
    void worker?.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const waiting of pending) waiting.reject(reason);
  }
}
