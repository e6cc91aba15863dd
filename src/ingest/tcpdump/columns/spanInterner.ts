/**
 * Interns pieces of a larger string without cutting them out first: the hash is computed from the
 * characters in place and a hit is confirmed character by character there, so the common case
 * (an interface, flag string or address seen before) allocates nothing. Ids are dense from 0.
 */
export class SpanInterner {
  /** The strings, by id. */
  readonly values: string[] = [];
  private slots = new Int32Array(1024);
  private mask = 1023;

  /** Id of `s.slice(a, b)`. */
  span(text: string, from: number, to: number): number {
    const found = this.probe(text, from, to);
    if (found >= 0) return found;
    // a copy, so that the table does not keep a slice of the whole input alive
    const own = to - from > 12 ? (' ' + text.slice(from, to)).slice(1) : text.slice(from, to);
    const id = this.values.length;
    this.values.push(own);
    this.slots[-found - 1] = id + 1;
    if (this.values.length * 2 > this.mask) this.grow();
    return id;
  }

  /** Id of `s` when it is interned already, else -1 (nothing is added). */
  find(text: string): number {
    return Math.max(-1, this.probe(text, 0, text.length));
  }

  /** Id of `s.slice(a, b)`, or -(k + 1) for the free slot k where it would go. */
  private probe(text: string, from: number, to: number): number {
    const len = to - from;
    let cursor = hash(text, from, to) & this.mask;
    for (;;) {
      const slot = this.slots[cursor];
      if (slot === 0) return -(cursor + 1);
      const value = this.values[slot - 1];
      if (value.length === len && same(text, from, value)) return slot - 1;
      cursor = (cursor + 1) & this.mask;
    }
  }

  /** Id of a whole string. */
  str(text: string): number {
    return this.span(text, 0, text.length);
  }

  private grow(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let id = 0; id < this.values.length; id++) {
      const value = this.values[id];
      let cursor = hash(value, 0, value.length) & mask;
      while (slots[cursor] !== 0) cursor = (cursor + 1) & mask;
      slots[cursor] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * FNV-1a over the length and at most the last 16 characters: what tells addresses, ports and
 * interface names apart sits at their end, and long names (DNS questions) differ there too.
 */
function hash(text: string, from: number, to: number): number {
  let hashValue = 0x811c9dc5 ^ (to - from);
  for (let i = to - from > 16 ? to - 16 : from; i < to; i++)
    hashValue = Math.imul(hashValue ^ text.charCodeAt(i), 0x01000193);
  return hashValue;
}

/** s[a, a + v.length) === v, compared in place (from the end, where such strings differ). */
function same(text: string, from: number, value: string): boolean {
  for (let k = value.length - 1; k >= 0; k--) if (text.charCodeAt(from + k) !== value.charCodeAt(k)) return false;
  return true;
}
