/**
 * The watcher's ears: VRRP adverts from a raw IPv4 socket for IP protocol 112, opened by a few
 * lines of Perl (Node has no raw sockets; perl-base and its Socket module are Essential on Debian,
 * so every Debian host has them). Not tcpdump: Debian's tcpdump drops to its own user after
 * opening the capture, which needs setgroups, and an unprivileged user namespace (the LAN lab as an
 * ordinary user) denies it — `-Z root` too. A raw socket needs only CAP_NET_RAW in its network
 * namespace, which the watcher holds both there and on a real host.
 *
 * The socket is bound to the interface (SO_BINDTODEVICE) and joins 224.0.0.18 on it, so multicast
 * adverts keep arriving after this host's own keepalived (which had joined) stops; unicast adverts
 * addressed to this host arrive anyway. The kernel hands raw IPv4 sockets the whole packet, header
 * included. Perl prints each datagram as one line of hex on stdout and says `ready` on stderr once
 * it listens; everything else it says is an error. Its stdin is a pipe from the watcher that is
 * never written: at EOF the watcher is gone (even by SIGKILL) and the capture ends, rather than
 * sit in recv() holding a raw socket on a link that may stay silent. Perl does no parsing: the packet is hostile
 * input, read by the pure, table-tested parser (vrrp.ts) after packetFromHex here.
 */

/**
 * SO_BINDTODEVICE is Socket's constant but not in its export list, hence the full name. struct ifreq
 * is 40 bytes on Linux (16 for the name, 24 for the union); SIOCGIFINDEX (0x8933) fills the int
 * after the name; the membership is a struct ip_mreqn (group, any address, that interface).
 */
export const CAPTURE_SCRIPT = String.raw`
use strict; use warnings;
use Socket qw(PF_INET SOCK_RAW SOL_SOCKET IPPROTO_IP IP_ADD_MEMBERSHIP INADDR_ANY inet_aton);
my $if = shift // die "usage: capture IFACE\n";
socket(my $s, PF_INET, SOCK_RAW, 112) or die "raw socket for IP protocol 112: $!\n";
setsockopt($s, SOL_SOCKET, Socket::SO_BINDTODEVICE(), $if) or die "bind to $if: $!\n";
my $req = pack('Z16 x24', $if);
ioctl($s, 0x8933, $req) or die "no interface $if: $!\n";
my $index = unpack('x16 i', $req);
setsockopt($s, IPPROTO_IP, IP_ADD_MEMBERSHIP, inet_aton('224.0.0.18') . INADDR_ANY . pack('i', $index)) or die "join 224.0.0.18 on $if: $!\n";
$| = 1;
print STDERR "ready\n";
my $rin = '';
vec($rin, fileno($s), 1) = 1;
vec($rin, fileno(STDIN), 1) = 1;
while (1) {
  my $n = select(my $rout = $rin, undef, undef, undef);
  if ($n < 0) { next if $!{EINTR}; die "select: $!\n"; }
  exit 0 if vec($rout, fileno(STDIN), 1) && !sysread(STDIN, my $gone, 64);
  next unless vec($rout, fileno($s), 1);
  defined(recv($s, my $packet, 65535, 0)) or die "recv: $!\n";
  print unpack('H*', $packet), "\n";
}
`;

/** argv that runs the capture on `iface` (perl from PATH, as the agent's other tools). */
export function captureCommand(iface: string): { file: string; args: string[] } {
  return { file: 'perl', args: ['-e', CAPTURE_SCRIPT, iface] };
}

/** A bound on one packet, whatever arrives: VRRP adverts are tiny, and a jumbo frame is 9000. */
export const MAX_PACKET = 9216;

/** One line of the capture's output back to bytes; undefined for anything that is not whole bytes of hex within the bound. */
export function packetFromHex(line: string): Uint8Array | undefined {
  if (line.length === 0 || line.length % 2 !== 0 || line.length > 2 * MAX_PACKET) return undefined;
  if (!/^[0-9a-f]+$/i.test(line)) return undefined;
  return Uint8Array.from(Buffer.from(line, 'hex'));
}
