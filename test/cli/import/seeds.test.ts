import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config';
import { essentials, runImport, ucarpNodes } from './helpers';

const example = (file: string) => loadConfig(readFileSync(`examples/seeds/${file}`, 'utf8'));

describe('ipferry import ucarp on the seeds written as their ucarp command lines', () => {
  it('seed 000: two VIPs, each preferred by one server, matches the hand-written example on what matters', async () => {
    const r = await runImport(
      'ucarp',
      ...ucarpNodes('seed-000-ucarp.txt'),
      '--prefix',
      '24',
      '--cluster',
      'postica-smtp',
    );
    expect(r.code, r.err).toBe(1); // --daemonize and --shutdown are dropped, with why
    const mine = r.config!;
    expect(essentials(mine)).toEqual(essentials(example('000-ucarp-smtp-pair.yaml')));
    // ucarp's layout: the scripts get ($1 interface, $2 address) as ucarp gave them.
    const up = { run: '/etc/ucarp/vip-up.sh', layout: 'ucarp' };
    expect(mine.vips.map((v) => v.hooks?.up)).toEqual([up, up]);
    // ucarp's advbase 1 and deadratio 3: a master silent for 3 s is dead.
    expect(mine.timers).toMatchObject({ heartbeatInterval: 1000, deadAfter: 3000 });
    expect(r.err).toMatch(/smtp1: dropped: --daemonize — ipferry agents run under systemd/);
    expect(r.err).toMatch(/smtp1: dropped: -z — ipferry calls hooks.down when an agent stops/);
    expect(r.err).toMatch(/warning: CARP password carried as security.psk — it was sent in clear/);
    expect(mine.security.psk!.length).toBeGreaterThanOrEqual(16);
  });

  it('seed 003: the master with the lowest advskew is preferred and preempts; timers from advbase', async () => {
    const r = await runImport('ucarp', ...ucarpNodes('seed-003-ucarp.txt'), '--prefix', '20', '--cluster', 'smtp-pair');
    expect(r.code, r.err).toBe(0); // --xparam is carried: $3 of the ucarp layout
    const handWritten = example('003-ucarp-active-passive.yaml');
    expect(essentials(r.config!)).toEqual(essentials(handWritten));
    expect(r.config!.timers.heartbeatInterval).toBe(handWritten.timers.heartbeatInterval);
    expect(r.config!.vips[0]!.hooks).toMatchObject({
      up: { run: '/usr/share/ucarp/vip-up', layout: 'ucarp', extra: '20' },
      down: { run: '/usr/share/ucarp/vip-down', layout: 'ucarp', extra: '20' },
    });
    expect(r.err).not.toMatch(/xparam/);
    expect(r.text).toMatch(
      /# vhid 1: order of succession server1 \(advskew 1\) > server2 \(advskew 100\); preferred: server1 \(hosts left out are tied or last/,
    );
  });
});
