import type { LineMapping, Packet, PacketTable } from '../../../src/model';

/** A packet table that records which packets were built: for tests that check work is lazy. */
export class CountingTable implements PacketTable {
  readonly built = new Set<number>();
  constructor(private readonly inner: PacketTable) {}
  get size(): number {
    return this.inner.size;
  }
  packet(i: number): Packet {
    this.built.add(i);
    return this.inner.packet(i);
  }
  all(): Packet[] {
    for (let i = 0; i < this.size; i++) this.packet(i);
    return this.inner.all();
  }
  lineOf(i: number): number {
    return this.inner.lineOf(i);
  }
  timeOf(i: number): number | undefined {
    return this.inner.timeOf(i);
  }
  touching(ips: ReadonlySet<string>): number[] {
    return this.inner.touching(ips);
  }
  firstMssSyn(): number {
    return this.inner.firstMssSyn();
  }
  onInterface(name: string, near: number, max: number): number[] {
    return this.inner.onInterface(name, near, max);
  }
  remapLines(at: LineMapping): void {
    this.inner.remapLines(at);
  }
}
