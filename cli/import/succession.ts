/**
 * keepalived priorities and ucarp advskews across hosts, as ipferry's `preferred` order.
 * `ranked` is best first, each with a key where equal keys are equal standing. The order keeps
 * hosts while each stands strictly apart from its neighbours: tied hosts are left unlisted, where
 * ipferry treats them alike and the least loaded takes the VIP (keepalived breaks such ties by IP
 * address, CARP by who advertises first: neither is a choice an operator made). The last host is
 * implied (unlisted nodes come after the listed ones), so it is not written.
 */
export function successionFrom<T extends { host: string; key: number }>(ranked: readonly T[]): string | string[] {
  const out = [ranked[0]!.host];
  for (let i = 1; i < ranked.length - 1; i++) {
    const tied = ranked[i]!.key === ranked[i - 1]!.key || ranked[i]!.key === ranked[i + 1]!.key;
    if (tied) break;
    out.push(ranked[i]!.host);
  }
  return out.length === 1 ? out[0]! : out;
}

/** The header line saying how the order was read, for people checking the import. */
export function successionNote(what: string, order: readonly string[], preferred: string | string[]): string {
  const listed = typeof preferred === 'string' ? preferred : `[${preferred.join(', ')}]`;
  return `${what}: order of succession ${order.join(' > ')}; preferred: ${listed} (hosts left out are tied or last: ipferry treats them alike, least loaded first).`;
}
