// Texts (UTF-8 bytes) keyed by a numeric id, kept in a few large Buffers with their places
// in typed arrays: a million task texts cost their bytes plus about 20 bytes each, and the
// collector sees a handful of objects instead of a million strings (whose marking grew the
// pauses and whose heap headroom doubled the memory).
//
// Bytes are appended, never overwritten: a text replaced or deleted leaves dead bytes
// behind, so a range handed out (ranges(), a checkpoint writing it) stays valid as long as
// its Buffer is held. compact() copies the live texts into fresh Buffers when the dead bytes
// grow as large as the live ones.

/** The first Buffer texts are appended to; each next one twice as large, up to MAX_CHUNK. */
const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 16 * 1024 * 1024;

/** A run of texts that lie one after another in one Buffer. */
export interface ByteRun {
  chunk: Buffer;
  start: number;
  end: number;
}

export class TextTable {
  private chunks: Buffer[] = [];
  /** The Buffer putBytes took last, and its index in chunks. */
  private adopted: Buffer | undefined;
  private adoptedIndex = 0;
  /** Where appends go: the last chunk, from `used`. */
  private used = 0;
  private nextChunkSize = FIRST_CHUNK;
  /**
   * Slot of each id (a place in the typed arrays below), plus one (0: none), indexed by id:
   * ids are mostly 0..n. An id far beyond the others (or not a small whole number) is
   * found in `sparseSlots` instead, so one odd id does not cost an array that long.
   */
  private denseSlots = new Uint32Array(1024);
  private readonly sparseSlots = new Map<number, number>();
  private count = 0;
  private freeSlots: number[] = [];
  private slots = 0;
  private chunkOf = new Uint32Array(1024);
  private startOf = new Uint32Array(1024);
  private lengthOf = new Uint32Array(1024);
  /** Bytes of live texts, and of every chunk (live + dead + unused room). */
  private liveBytes = 0;
  private chunkBytes = 0;

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.slotOf(id) !== undefined;
  }

  /** Ids, ascending. */
  *ids(): Generator<number> {
    const dense = this.denseSlots;
    for (let id = 0; id < dense.length; id++) if (dense[id] !== 0) yield id;
    yield* [...this.sparseSlots.keys()].sort((a, b) => a - b);
  }

  private slotOf(id: number): number | undefined {
    if (id >= 0 && id < this.denseSlots.length && Number.isInteger(id)) {
      const v = this.denseSlots[id]!;
      return v === 0 ? undefined : v - 1;
    }
    return this.sparseSlots.get(id);
  }

  /** Sets (slot) or clears (undefined) the slot of id. */
  private setSlot(id: number, slot: number | undefined): void {
    const isIndex = Number.isInteger(id) && id >= 0;
    // Grown when id is no further than the table is full: ids of an import stay dense.
    if (isIndex && id >= this.denseSlots.length && slot !== undefined && id < 2 * (this.count + this.denseSlots.length)) {
      let n = this.denseSlots.length;
      while (n <= id) n *= 2;
      const grown = new Uint32Array(n);
      grown.set(this.denseSlots);
      this.denseSlots = grown;
      for (const [sid, sslot] of this.sparseSlots) {
        if (sid < n && Number.isInteger(sid) && sid >= 0) {
          grown[sid] = sslot + 1;
          this.sparseSlots.delete(sid);
        }
      }
    }
    if (isIndex && id < this.denseSlots.length) this.denseSlots[id] = slot === undefined ? 0 : slot + 1;
    else if (slot === undefined) this.sparseSlots.delete(id);
    else this.sparseSlots.set(id, slot);
  }

  /** The text, or its bytes from `trimStart` to `trimEnd` before its end, decoded. */
  text(id: number, trimStart = 0, trimEnd = 0): string | undefined {
    const slot = this.slotOf(id);
    if (slot === undefined) return undefined;
    const start = this.startOf[slot]!;
    return this.chunks[this.chunkOf[slot]!]!.toString('utf8', start + trimStart, start + this.lengthOf[slot]! - trimEnd);
  }

  /** Stores `text` under id, replacing what was there. */
  put(id: number, text: string): void {
    const length = Buffer.byteLength(text);
    if (this.chunks.length === 0 || this.chunks[this.chunks.length - 1]!.length - this.used < length) this.newChunk(length);
    const chunk = this.chunks.length - 1;
    const start = this.used;
    this.chunks[chunk]!.write(text, start, length, 'utf8');
    this.used += length;
    this.place(id, chunk, start, length);
  }

  /**
   * Stores bytes of a Buffer as they are, without a copy (a tasks.json read in large
   * pieces keeps them as its texts). The Buffer must not change afterwards.
   */
  putBytes(id: number, buffer: Buffer, start: number, end: number): void {
    if (this.adopted !== buffer) {
      // Taken as a full chunk: appends continue in a fresh one.
      this.chunks.push(buffer);
      this.chunkBytes += buffer.length;
      this.used = buffer.length;
      this.adopted = buffer;
      this.adoptedIndex = this.chunks.length - 1;
    }
    this.place(id, this.adoptedIndex, start, end - start);
  }

  delete(id: number): void {
    const slot = this.slotOf(id);
    if (slot === undefined) return;
    this.liveBytes -= this.lengthOf[slot]!;
    this.setSlot(id, undefined);
    this.count--;
    this.freeSlots.push(slot);
  }

  clear(): void {
    this.chunks = [];
    this.adopted = undefined;
    this.used = 0;
    this.nextChunkSize = FIRST_CHUNK;
    this.denseSlots = new Uint32Array(1024);
    this.sparseSlots.clear();
    this.count = 0;
    this.freeSlots = [];
    this.slots = 0;
    this.liveBytes = 0;
    this.chunkBytes = 0;
  }

  /**
   * The bytes of every text in ascending id order, as runs: texts that follow each other in
   * one Buffer make one run, so a table filled in id order is a few runs however many texts
   * it holds. The runs hold their Buffers: later changes do not touch them.
   */
  ranges(): ByteRun[] {
    const runs: ByteRun[] = [];
    let last: ByteRun | undefined;
    const add = (slot: number) => {
      const chunk = this.chunks[this.chunkOf[slot]!]!;
      const start = this.startOf[slot]!;
      const end = start + this.lengthOf[slot]!;
      if (last && last.chunk === chunk && last.end === start) last.end = end;
      else runs.push((last = { chunk, start, end }));
    };
    const dense = this.denseSlots;
    for (let id = 0; id < dense.length; id++) if (dense[id] !== 0) add(dense[id]! - 1);
    for (const id of [...this.sparseSlots.keys()].sort((a, b) => a - b)) add(this.sparseSlots.get(id)!);
    return runs;
  }

  /** Whether dead bytes are many enough for compact() to be worth its copy. */
  get wasteful(): boolean {
    const dead = this.chunkBytes - this.liveBytes;
    return dead > 32 * 1024 * 1024 && dead > this.liveBytes;
  }

  /** Copies the live texts into fresh Buffers, so the dead bytes are given back. */
  compact(): void {
    const old = this.chunks;
    const oldChunkOf = this.chunkOf;
    const oldStartOf = this.startOf;
    this.chunks = [];
    this.adopted = undefined;
    this.chunkBytes = 0;
    this.used = 0;
    this.chunkOf = new Uint32Array(this.chunkOf.length);
    this.startOf = new Uint32Array(this.startOf.length);
    // One Buffer sized for all live texts when it fits, else MAX_CHUNK pieces.
    this.nextChunkSize = Math.max(FIRST_CHUNK, Math.min(MAX_CHUNK, this.liveBytes));
    for (const id of this.ids()) {
      const slot = this.slotOf(id)!;
      const length = this.lengthOf[slot]!;
      if (this.chunks.length === 0 || this.chunks[this.chunks.length - 1]!.length - this.used < length) this.newChunk(length);
      const chunk = this.chunks.length - 1;
      const from = oldStartOf[slot]!;
      old[oldChunkOf[slot]!]!.copy(this.chunks[chunk]!, this.used, from, from + length);
      this.chunkOf[slot] = chunk;
      this.startOf[slot] = this.used;
      this.used += length;
    }
  }

  private newChunk(atLeast: number): void {
    const size = Math.max(this.nextChunkSize, atLeast);
    this.nextChunkSize = Math.min(MAX_CHUNK, this.nextChunkSize * 2);
    // Slow = not from Node's small-Buffer pool: each chunk is its own allocation, freed whole.
    this.chunks.push(Buffer.allocUnsafeSlow(size));
    this.chunkBytes += size;
    this.used = 0;
  }

  private place(id: number, chunk: number, start: number, length: number): void {
    let slot = this.slotOf(id);
    if (slot !== undefined) this.liveBytes -= this.lengthOf[slot]!;
    else {
      slot = this.freeSlots.length ? this.freeSlots.pop()! : this.slots++;
      if (slot >= this.chunkOf.length) this.grow();
      this.setSlot(id, slot);
      this.count++;
    }
    this.chunkOf[slot] = chunk;
    this.startOf[slot] = start;
    this.lengthOf[slot] = length;
    this.liveBytes += length;
  }

  /** Makes room for n texts with ids below n at once (a start that knows how many it reads). */
  reserve(n: number): void {
    if (n > this.chunkOf.length) this.grow(n);
    if (n > this.denseSlots.length) {
      const grown = new Uint32Array(n);
      grown.set(this.denseSlots);
      this.denseSlots = grown;
    }
  }

  private grow(atLeast = 0): void {
    const n = Math.max(this.chunkOf.length * 2, atLeast);
    const widen = (a: Uint32Array) => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    this.chunkOf = widen(this.chunkOf);
    this.startOf = widen(this.startOf);
    this.lengthOf = widen(this.lengthOf);
  }
}
