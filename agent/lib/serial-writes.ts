/**
 * Writes to one file, one after the other. Each caller gets its own write's outcome; a failed write
 * does not fail the ones queued after it (each tries afresh), unlike a bare `p = p.then(write)`
 * chain, which stays rejected once one write fails and so fails every later one.
 */
export class SerialWrites {
  private tail: Promise<unknown> = Promise.resolve();

  run(write: () => Promise<void>): Promise<void> {
    const mine = this.tail.then(write);
    this.tail = mine.catch(() => undefined); // the caller of this write sees its failure
    return mine;
  }
}
