// A sorted list of values kept in chunks (the layout of Python's sortedcontainers):
// insert, delete and find by value cost O(log n + chunk), the k-th element costs
// O(n / chunk) additions. It backs every ordering the store serves from memory.

const CHUNK = 512;

export class SortedList<T> {
  private chunks: T[][] = [];
  private maxes: T[] = [];
  private count = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.chunks = [];
    this.maxes = [];
    this.count = 0;
  }

  /** Index of the first chunk whose max is >= value. */
  private chunkFor(value: T): number {
    let lo = 0;
    let hi = this.maxes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.maxes[mid]!, value) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static lowerBound<T>(arr: T[], value: T, compare: (a: T, b: T) => number): number {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(arr[mid]!, value) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(value: T): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([value]);
      this.maxes.push(value);
      return;
    }
    const lastChunk = this.chunks.length - 1;
    // Larger than everything (ids of an import, a start reading tasks in id order): appended.
    const c = this.compare(value, this.maxes[lastChunk]!) > 0 ? lastChunk : Math.min(this.chunkFor(value), lastChunk);
    const chunk = this.chunks[c]!;
    if (c === lastChunk && this.compare(value, this.maxes[lastChunk]!) > 0) chunk.push(value);
    else chunk.splice(SortedList.lowerBound(chunk, value, this.compare), 0, value);
    this.maxes[c] = chunk[chunk.length - 1]!;
    if (chunk.length > CHUNK * 2) {
      const tail = chunk.splice(CHUNK);
      this.chunks.splice(c + 1, 0, tail);
      this.maxes[c] = chunk[chunk.length - 1]!;
      this.maxes.splice(c + 1, 0, tail[tail.length - 1]!);
    }
  }

  /** Removes one element equal (compare = 0) to value; returns whether it was there. */
  delete(value: T): boolean {
    const c = this.chunkFor(value);
    if (c === this.chunks.length) return false;
    const chunk = this.chunks[c]!;
    const i = SortedList.lowerBound(chunk, value, this.compare);
    if (i >= chunk.length || this.compare(chunk[i]!, value) !== 0) return false;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      this.maxes.splice(c, 1);
    } else {
      this.maxes[c] = chunk[chunk.length - 1]!;
    }
    return true;
  }

  has(value: T): boolean {
    const c = this.chunkFor(value);
    if (c === this.chunks.length) return false;
    const chunk = this.chunks[c]!;
    const i = SortedList.lowerBound(chunk, value, this.compare);
    return i < chunk.length && this.compare(chunk[i]!, value) === 0;
  }

  /** The element at position index (0-based), or undefined. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    for (const chunk of this.chunks) {
      if (index < chunk.length) return chunk[index];
      index -= chunk.length;
    }
    return undefined;
  }

  first(): T | undefined {
    return this.chunks[0]?.[0];
  }

  last(): T | undefined {
    return this.maxes[this.maxes.length - 1];
  }

  /** Values from position start, ascending. */
  *iterate(start = 0): Generator<T> {
    let skip = start;
    for (const chunk of this.chunks) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      for (let i = skip; i < chunk.length; i++) yield chunk[i]!;
      skip = 0;
    }
  }

  /** Values from position start counted from the end, descending. */
  *iterateReversed(start = 0): Generator<T> {
    let skip = start;
    for (let c = this.chunks.length - 1; c >= 0; c--) {
      const chunk = this.chunks[c]!;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      for (let i = chunk.length - 1 - skip; i >= 0; i--) yield chunk[i]!;
      skip = 0;
    }
  }

  /** count values from position start, ascending or descending. */
  slice(start: number, count: number, descending = false): T[] {
    const out: T[] = [];
    if (count <= 0) return out;
    // Plain loops over the chunks (a page is served per request: no generator objects).
    let skip = start;
    const n = this.chunks.length;
    for (let k = 0; k < n && out.length < count; k++) {
      const chunk = this.chunks[descending ? n - 1 - k : k]!;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      if (descending) for (let i = chunk.length - 1 - skip; i >= 0 && out.length < count; i--) out.push(chunk[i]!);
      else for (let i = skip; i < chunk.length && out.length < count; i++) out.push(chunk[i]!);
      skip = 0;
    }
    return out;
  }
}
