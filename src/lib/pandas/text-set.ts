/**
 * A set of strings kept compactly, for per-row state that grows with a date's rows (the ids seen by
 * `drop_duplicates`, the distinct values of a uniqueness check). A `Set<string>` costs about 70 bytes per
 * short string, and a string sliced out of a CSV chunk keeps that whole chunk alive as long as the set
 * holds it, so a set of ids held the whole decoded file. Here the characters are copied into one arena
 * (a byte per character while all are Latin-1) and indexed by an open-addressing table of 32-bit
 * hashes: about 35 bytes per 17-character id, in a few typed arrays the garbage collector never scans.
 */
export class TextSet {
  /** Slot → entry number + 1; 0 is an empty slot. Capacity a power of two, at most half full. */
  private slots: Int32Array;
  /** Entry → hash of its text. */
  private hashes: Int32Array;
  /** Entry → start of its text in `chars`; entry e ends where entry e + 1 starts. */
  private starts: Int32Array;
  private chars: Uint8Array | Uint16Array;
  private count = 0;

  constructor() {
    const reused = spare.pop();
    if (reused) reused.slots.fill(0);
    this.slots = reused?.slots ?? new Int32Array(1024);
    this.hashes = reused?.hashes ?? new Int32Array(512);
    this.starts = reused?.starts ?? new Int32Array(513); // starts[0] is 0 and never written
    this.chars = reused?.chars ?? new Uint8Array(4096);
  }

  /**
   * Hands the set's arrays to the next set made in this process; the set is empty and unusable after.
   * Optional (an unreleased set is garbage like any other), but a worker makes a set of a date's ids per
   * job: arrays of a few MB that outlive young collections and that only a full collection frees,
   * which made full collections more frequent (docs/performance.md).
   */
  release(): void {
    if (this.slots.length === 0) return;
    const bytes =
      this.slots.byteLength + this.hashes.byteLength + this.starts.byteLength + this.chars.byteLength;
    if (spare.length < MAX_SPARE && bytes <= MAX_SPARE_BYTES && this.chars instanceof Uint8Array) {
      spare.push({ slots: this.slots, hashes: this.hashes, starts: this.starts, chars: this.chars });
    }
    this.slots = this.hashes = this.starts = RELEASED;
    this.count = 0;
  }

  /** Distinct strings added. */
  get size(): number {
    if (this.slots.length === 0) throw new Error('TextSet used after release()');
    return this.count;
  }

  /** Adds `text`; true when it was not in the set yet. */
  add(text: string): boolean {
    const hash = hashOf(text);
    const mask = this.slots.length - 1;
    if (mask < 0) throw new Error('TextSet used after release()');
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot] as number;
      if (entry === 0) {
        this.insert(text, hash, slot);
        return true;
      }
      if (this.hashes[entry - 1] === hash && this.equals(entry - 1, text)) return false;
    }
  }

  /** Whether `text` is in the set. */
  has(text: string): boolean {
    const hash = hashOf(text);
    const mask = this.slots.length - 1;
    if (mask < 0) throw new Error('TextSet used after release()');
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot] as number;
      if (entry === 0) return false;
      if (this.hashes[entry - 1] === hash && this.equals(entry - 1, text)) return true;
    }
  }

  private equals(entry: number, text: string): boolean {
    const start = this.starts[entry] as number;
    if ((this.starts[entry + 1] as number) - start !== text.length) return false;
    const chars = this.chars;
    for (let i = 0; i < text.length; i++) if (chars[start + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  private insert(text: string, hash: number, slot: number): void {
    const entry = this.count;
    if (entry + 1 >= this.hashes.length) {
      this.hashes = growInt32(this.hashes, this.hashes.length * 2);
      this.starts = growInt32(this.starts, this.hashes.length + 1);
    }
    const start = this.starts[entry] as number;
    const end = start + text.length;
    if (end > this.chars.length) this.chars = growChars(this.chars, Math.max(end, this.chars.length * 2));
    let chars = this.chars;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 255 && chars instanceof Uint8Array) {
        // The first character beyond Latin-1: from now on two bytes per character.
        this.chars = chars = Uint16Array.from(chars);
      }
      chars[start + i] = code;
    }
    this.hashes[entry] = hash;
    this.starts[entry + 1] = end;
    this.slots[slot] = entry + 1;
    this.count = entry + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.count; entry++) {
      let slot = (this.hashes[entry] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry + 1;
    }
    this.slots = slots;
  }
}

/** Arrays of released sets, for the next sets (at most one per set a worker holds at once, about). */
const spare: { slots: Int32Array; hashes: Int32Array; starts: Int32Array; chars: Uint8Array }[] = [];
const MAX_SPARE = 4;
/**
 * Larger sets' arrays are left to the collector: kept, those of one very large date would stay with
 * an idle worker. 8 MB holds about 200k ids of 17 characters (a 100k-row date takes about 3.7 MB).
 */
const MAX_SPARE_BYTES = 8 * 1024 * 1024;
const RELEASED = new Int32Array(0);

/** FNV-1a over UTF-16 code units, with a final avalanche so the low bits (the slot) use every bit. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  return hash ^ (hash >>> 13);
}

function growInt32(array: Int32Array, length: number): Int32Array {
  const bigger = new Int32Array(length);
  bigger.set(array);
  return bigger;
}

function growChars(array: Uint8Array | Uint16Array, length: number): Uint8Array | Uint16Array {
  const bigger = array instanceof Uint8Array ? new Uint8Array(length) : new Uint16Array(length);
  bigger.set(array);
  return bigger;
}
