import type { CloudState } from './state';

/**
 * The emulator's invariant: an address is never routed to two holders at once. Checked both for
 * what is in effect now and for what running actions have reserved (`current()`), so a bug that
 * would only show once an action ends is caught at the mutation that caused it.
 */
export function cloudViolations(state: CloudState, now: number): string[] {
  const out: string[] = [];
  for (const view of ['in effect', 'reserved'] as const) {
    const aliasesOf = (n: {
      aliases: { current(): readonly string[]; visible(at: number, lag: number): readonly string[] };
    }) => (view === 'reserved' ? n.aliases.current() : n.aliases.visible(now, 0));
    for (const network of state.networks.values()) {
      const holders = new Map<string, number[]>();
      for (const s of state.servers.values()) {
        const net = s.nets.get(network.id);
        if (!net) continue;
        holders.set(net.ip, [...(holders.get(net.ip) ?? []), s.id]);
        for (const ip of aliasesOf(net)) holders.set(ip, [...(holders.get(ip) ?? []), s.id]);
      }
      for (const [ip, ids] of holders) {
        if (ids.length > 1) out.push(`${view}: ${ip} on network ${network.id} is held by servers ${ids.join(', ')}`);
      }
    }
  }
  const seen = new Map<string, number>();
  for (const f of state.floatingIps.values()) {
    const other = seen.get(f.ip);
    if (other !== undefined) out.push(`floating IPs ${other} and ${f.id} share the address ${f.ip}`);
    seen.set(f.ip, f.id);
    for (const server of [f.server.current(), f.server.visible(now, 0)]) {
      if (server !== null && !state.servers.has(server))
        out.push(`floating IP ${f.id} is assigned to unknown server ${server}`);
    }
    for (const s of state.servers.values()) {
      if (s.publicIpv4 === f.ip) out.push(`floating IP ${f.id} address ${f.ip} is also server ${s.id}'s primary IPv4`);
    }
  }
  return out;
}
