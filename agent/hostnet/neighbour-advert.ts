import type { CommandResult, CommandRunner } from './command';
import { formatCommand, isMissingProgram } from './command';

/**
 * Unsolicited IPv6 neighbour advertisements (RFC 4861 §7.2.6): the IPv6 twin of gratuitous ARP.
 *
 * `ndsend ADDR IF` is the usual tool, but it shipped with OpenVZ's vzctl and is in no current Debian
 * or Ubuntu release (not in ndisc6 either, which only solicits). So when `ndsend` is missing we send
 * the advertisement ourselves with a short Python program over a raw ICMPv6 socket (Node has no raw
 * sockets; python3 is on every machine this project runs on). It binds to the announced address
 * first, so, like arping, it refuses to announce an address this host does not hold.
 */
const SEND_NA_PY = String.raw`
import socket, struct, sys
addr, ifname = sys.argv[1], sys.argv[2]
try:
    with open('/sys/class/net/%s/address' % ifname) as f:
        mac = bytes.fromhex(f.read().strip().replace(':', ''))
    index = socket.if_nametoindex(ifname)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    s.bind((addr, 0, 0, index))
    # type 136, code 0, checksum (the kernel fills it in), flags: Override; then the target and
    # a Target Link-Layer Address option (type 2, length 1 = 8 octets).
    packet = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + socket.inet_pton(socket.AF_INET6, addr) + bytes([2, 1]) + mac
    s.sendto(packet, ('ff02::1', 0, 0, index))
except OSError as e:
    sys.stderr.write('send-na: %s on %s: %s\n' % (addr, ifname, e.strerror or e))
    sys.exit(1)
except Exception as e:
    sys.stderr.write('send-na: %s on %s: %s\n' % (addr, ifname, e))
    sys.exit(1)
`;

export type NaTool = 'ndsend' | 'python3';

/** Sends one unsolicited NA; remembers which tool worked so later sends skip the probe. */
export class NeighbourAdvertiser {
  private tool: NaTool | undefined;

  constructor(
    private readonly run: CommandRunner,
    preferred: NaTool | 'auto' = 'auto',
  ) {
    if (preferred !== 'auto') this.tool = preferred;
  }

  /** The tool in use, once known. */
  get using(): NaTool | undefined {
    return this.tool;
  }

  async send(address: string, ifname: string, timeoutMs: number): Promise<{ command: string; result: CommandResult }> {
    if (this.tool !== 'python3') {
      const args = [address, ifname];
      try {
        const result = await this.run('ndsend', args, { timeoutMs });
        if (!isMissingProgram(result)) {
          this.tool = 'ndsend';
          return { command: formatCommand('ndsend', args), result };
        }
      } catch (err) {
        if (!isEnoent(err) || this.tool === 'ndsend') throw err;
      }
      if (this.tool === 'ndsend') throw new Error('ndsend is not installed');
      this.tool = 'python3';
    }
    const args = ['-c', SEND_NA_PY, address, ifname];
    const result = await this.run('python3', args, { timeoutMs });
    return { command: `python3 -c <send-na> ${address} ${ifname}`, result };
  }
}

function isEnoent(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return (err as { failure?: unknown }).failure === 'spawn' && cause?.code === 'ENOENT';
}
