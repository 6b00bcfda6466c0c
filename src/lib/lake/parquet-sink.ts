import { ByteWriter } from 'hyparquet-writer';

/**
 * hyparquet-writer's byte buffer, emptied into the object's body whenever the Parquet writer flushes
 * (after each row group) or finishes: it holds at most one compressed row group.
 */
export class SinkWriter extends ByteWriter {
  /** The last flush's wait for the body to drain, if it had to wait. */
  private pending: Promise<void> | undefined;

  constructor(private readonly out: (chunk: Buffer) => Promise<void> | undefined) {
    super(1024 * 1024);
  }

  /** Called by ParquetWriter after each row group; the next group waits for the promise. */
  flush(): Promise<void> | undefined {
    if (this.index === 0) return this.pending;
    // A copy: the buffer is reused for the next group while the body may still hold this chunk.
    const chunk = Buffer.from(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
    this.pending = this.out(chunk);
    return this.pending;
  }

  override finish(): void {
    this.flush();
  }

  /** Waits for the last chunk handed over to be taken by the body. */
  async drain(): Promise<void> {
    await this.pending;
  }
}
