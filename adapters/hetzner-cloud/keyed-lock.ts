/**
 * One holder at a time per key, in this process. The alias-IP call replaces a server's whole list,
 * so two moves writing to one server must not interleave read and write, or the later write
 * drops the earlier one's address. This serialises our own writers; it cannot stop another
 * process, which is why every write is read back.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      return await work();
    } finally {
      release();
      // The last one out leaves nothing behind, so the map does not grow with every server ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
