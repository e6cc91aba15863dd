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
  span(s: string, a: number, b: number): number {
    const found = this.probe(s, a, b);
    if (found >= 0) return found;
    // a copy, so that the table does not keep a slice of the whole input alive
    const own = b - a > 12 ? (' ' + s.slice(a, b)).slice(1) : s.slice(a, b);
    const id = this.values.length;
    this.values.push(own);
    this.slots[-found - 1] = id + 1;
    if (this.values.length * 2 > this.mask) this.grow();
    return id;
  }

  /** Id of `s` when it is interned already, else -1 (nothing is added). */
  find(s: string): number {
    return Math.max(-1, this.probe(s, 0, s.length));
  }

  /** Id of `s.slice(a, b)`, or -(k + 1) for the free slot k where it would go. */
  private probe(s: string, a: number, b: number): number {
    const len = b - a;
    let k = hash(s, a, b) & this.mask;
    for (;;) {
      const slot = this.slots[k];
      if (slot === 0) return -(k + 1);
      const v = this.values[slot - 1];
      if (v.length === len && same(s, a, v)) return slot - 1;
      k = (k + 1) & this.mask;
    }
  }

  /** Id of a whole string. */
  str(s: string): number {
    return this.span(s, 0, s.length);
  }

  private grow(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let id = 0; id < this.values.length; id++) {
      const v = this.values[id];
      let k = hash(v, 0, v.length) & mask;
      while (slots[k] !== 0) k = (k + 1) & mask;
      slots[k] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * FNV-1a over the length and at most the last 16 characters: what tells addresses, ports and
 * interface names apart sits at their end, and long names (DNS questions) differ there too.
 */
function hash(s: string, a: number, b: number): number {
  let h = 0x811c9dc5 ^ (b - a);
  for (let i = b - a > 16 ? b - 16 : a; i < b; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** s[a, a + v.length) === v, compared in place (from the end, where such strings differ). */
function same(s: string, a: number, v: string): boolean {
  for (let k = v.length - 1; k >= 0; k--) if (s.charCodeAt(a + k) !== v.charCodeAt(k)) return false;
  return true;
}
