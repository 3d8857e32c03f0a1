/**
 * Reassembles packets from `tcpdump -l -n -x` output: a summary line per packet, then lines of
 * "\t0x0010:  4500 0028 ..." with the IP packet in hex (no link header with -x). Pure: lines in,
 * byte arrays out, so the watcher's only I/O is the tcpdump process itself.
 */
const HEX_LINE = /^\s+0x([0-9a-f]{4}):\s+((?:[0-9a-f]{2,4}\s?)+)/i;
/** A bound on one packet, whatever tcpdump (or something posing as it) prints: VRRP adverts are tiny. */
const MAX_PACKET = 1500;

export class TcpdumpHexReader {
  private current: number[] | undefined;

  /** Feeds one line; returns the packet that a summary line ended, if any. */
  line(text: string): Uint8Array | undefined {
    const m = HEX_LINE.exec(text);
    if (!m) {
      const done = this.flush();
      this.current = [];
      return done;
    }
    if (this.current === undefined) return undefined; // hex before any summary line: not ours to guess
    const offset = parseInt(m[1]!, 16);
    if (offset !== this.current.length || offset >= MAX_PACKET) {
      this.current = undefined; // a gap or runaway: drop this packet rather than misread it
      return undefined;
    }
    for (const group of m[2]!.trim().split(/\s+/)) {
      for (let i = 0; i + 2 <= group.length; i += 2) this.current.push(parseInt(group.slice(i, i + 2), 16));
    }
    // Complete once it holds the IPv4 total length: handing it on now, not at the next packet's
    // summary line, keeps the watcher one advert interval closer to the wire.
    const total = this.current.length >= 4 ? (this.current[2]! << 8) | this.current[3]! : Infinity;
    return this.current.length >= total ? this.flush() : undefined;
  }

  /** The packet in progress, at the end of the stream. */
  flush(): Uint8Array | undefined {
    const bytes = this.current;
    this.current = undefined;
    return bytes && bytes.length > 0 ? Uint8Array.from(bytes) : undefined;
  }
}
