import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../core/config';
import { essentials, FIXTURES, runImport } from './helpers';

// Seed 001, the CARP ring of five mail servers with two addresses each (/work/shared/seeds/001),
// written as each host's keepalived.conf (fixtures/seed-001-carp/), imported and compared with
// the hand-written examples/seeds/001-carp-ring.yaml on what matters.
const hosts = ['mail01', 'mail02', 'mail03', 'mail04', 'mail05'];
const byAddress = (c: Config) => {
  const e = essentials(c);
  return { ...e, vips: [...e.vips].sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true })) };
};

describe('ipferry import keepalived on seed 001 (the CARP ring)', () => {
  it('five hosts, ten addresses: each preferred by its owner, as the hand-written example (a majority needed, where the example chose none)', async () => {
    const r = await runImport(
      'keepalived',
      ...hosts.flatMap((h) => ['--node', `${h}=${FIXTURES}/seed-001-carp/${h}.conf`]),
      '--cluster',
      'netic-mail',
    );
    expect(r.code, r.err).toBe(0); // everything carried: the generated PSK and the majority quorum are warnings
    const example = loadConfig(readFileSync('examples/seeds/001-carp-ring.yaml', 'utf8'));
    // The import keeps ipferry's safe default for five nodes and warns; the example chose CARP's
    // quorum none on purpose (its survivors serve), so quorum is the one field that differs.
    expect({ ...byAddress(r.config!), quorum: 'none' }).toEqual(byAddress(example));
    expect(r.config!.control).toMatchObject({ mode: 'peer', quorum: 'majority' });
    // The ring's order: after the owner, its two neighbours (advskew 100), then the rest.
    expect(r.text).toMatch(
      /# carp0: order of succession mail01 \(priority 200\) > mail02 \(priority 150\) > mail05 \(priority 150\) > mail03 \(priority 100\) > mail04 \(priority 100\); preferred: mail01 \(/,
    );
    // The two neighbours tie (advskew 100 each side), so the order stops at the owner: ipferry
    // then gives the VIP to the less loaded of the survivors, which is what spreads the ring.
  });
});
