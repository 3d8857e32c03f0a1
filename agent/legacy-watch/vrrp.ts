/**
 * VRRP adverts as they arrive on the wire: an IPv4 packet (header included, as tcpdump -x prints
 * it) carrying IP protocol 112. Pure and total: any byte string gives either an advert or the
 * reason it is not one, never an exception, because what arrives on a LAN is hostile input.
 * Versions 2 (RFC 3768, keepalived's default) and 3 (RFC 5798) are read; only IPv4 adverts.
 */
export interface VrrpAdvert {
  version: 2 | 3;
  /** The sender: the old daemon's host address, not the VIP. */
  source: string;
  destination: string;
  vrid: number;
  /** 0: the master is leaving (keepalived sends it as it stops); 255: the address owner. */
  priority: number;
  /** Seconds in v2, converted; centiseconds in v3, converted. */
  advertIntervalMs: number;
  addresses: string[];
  /** RFC 3768/5798 want 255; a lower TTL came through a router, so it is not from this segment. */
  ttl: number;
}

export type VrrpParse = { ok: true; advert: VrrpAdvert } | { ok: false; reason: string };

export const VRRP_PROTOCOL = 112;
const IPV4_MIN_HEADER = 20;
const VRRP_FIXED = 8;
const V2_AUTH = 8;

export function parseVrrpPacket(packet: Uint8Array): VrrpParse {
  if (packet.length < IPV4_MIN_HEADER)
    return no(`truncated IPv4 header: ${packet.length} bytes, need ${IPV4_MIN_HEADER}`);
  const ipVersion = packet[0]! >> 4;
  if (ipVersion !== 4) return no(`IP version ${ipVersion}, not 4`);
  const headerLength = (packet[0]! & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER) return no(`IPv4 header length ${headerLength} is below ${IPV4_MIN_HEADER}`);
  if (packet.length < headerLength)
    return no(`truncated IPv4 header: ${packet.length} bytes, header says ${headerLength}`);
  const totalLength = (packet[2]! << 8) | packet[3]!;
  if (totalLength > packet.length)
    return no(`truncated packet: ${packet.length} bytes, IPv4 total length ${totalLength}`);
  if (totalLength < headerLength)
    return no(`IPv4 total length ${totalLength} is shorter than its header (${headerLength})`);
  const fragment = ((packet[6]! << 8) | packet[7]!) & 0x3fff;
  if (fragment !== 0) return no('an IPv4 fragment (VRRP adverts are never fragmented)');
  if (packet[9] !== VRRP_PROTOCOL) return no(`IP protocol ${packet[9]}, not VRRP (${VRRP_PROTOCOL})`);
  const vrrp = packet.subarray(headerLength, totalLength);
  if (vrrp.length < VRRP_FIXED) return no(`truncated VRRP header: ${vrrp.length} bytes, need ${VRRP_FIXED}`);
  const version = vrrp[0]! >> 4;
  const type = vrrp[0]! & 0x0f;
  if (version !== 2 && version !== 3) return no(`VRRP version ${version}, not 2 or 3`);
  if (type !== 1) return no(`VRRP type ${type}, not an advertisement (1)`);
  const vrid = vrrp[1]!;
  if (vrid === 0) return no('VRID 0 (valid ones are 1-255)');
  const count = vrrp[3]!;
  const need = VRRP_FIXED + 4 * count + (version === 2 ? V2_AUTH : 0);
  if (vrrp.length < need)
    return no(`truncated VRRP v${version} advert: ${vrrp.length} bytes for ${count} addresses, need ${need}`);
  const advertIntervalMs = version === 2 ? vrrp[5]! * 1000 : (((vrrp[4]! & 0x0f) << 8) | vrrp[5]!) * 10;
  if (advertIntervalMs === 0) return no('advert interval 0');
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(ipv4(vrrp, VRRP_FIXED + 4 * i));
  return {
    ok: true,
    advert: {
      version,
      source: ipv4(packet, 12),
      destination: ipv4(packet, 16),
      vrid,
      priority: vrrp[2]!,
      advertIntervalMs,
      addresses,
      ttl: packet[8]!,
    },
  };
}

function ipv4(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

function no(reason: string): VrrpParse {
  return { ok: false, reason };
}
