import { loadConfig } from '../../core/config';
import { humanDuration } from '../../core/duration';
import { ClusterSim } from '../../sim/cluster-sim';
import { SEED_001_RING_YAML } from './embedded';

/**
 * The decision core on the seed scenarios, in simulated time: no network, no root, instant.
 * `ipferry demo --seeds` prints it; it shows what decide() does and why, move by move.
 */
export function seedWalkthrough(print: (line: string) => void, json: boolean): void {
  const ring = loadConfig(SEED_001_RING_YAML);
  // A control plane (cloud or local) has no quorum to lose, so three of five may die at once.
  const sim = new ClusterSim({
    ...ring,
    control: {
      mode: 'local',
      listen: '127.0.0.1:7400',
      liveness: 'direct',
      witness: { port: 7402, watchers: 3, keepalive: 30_000 },
    },
  });
  const start = sim.now;
  const at = () => `t=${humanDuration(sim.now - start)}`.padEnd(9);
  const show = (moves: ReturnType<ClusterSim['run']>) => {
    for (const m of moves) {
      if (json)
        print(
          JSON.stringify({
            t_ms: m.at - start,
            vip: m.vip,
            from: m.from,
            to: m.to,
            reason: m.reason,
            epoch: m.epoch,
            detail: m.detail,
          }),
        );
      else
        print(
          `${`t=${humanDuration(m.at - start)}`.padEnd(9)}${m.vip.padEnd(7)} ${(m.from ?? '—').padEnd(7)}→ ${(m.to ?? '—').padEnd(7)} ${m.reason.padEnd(15)} ${m.detail}`,
        );
    }
  };
  const loads = () =>
    Object.entries(sim.loads())
      .map(([n, c]) => `${n} ${c}`)
      .join(', ');
  const say = (line: string) => {
    if (!json) print(line);
  };

  say('Seed 001: five mail servers in a ring, ten VIPs, two preferred by each (simulated time).');
  say(
    `timers: heartbeat ${humanDuration(ring.timers.heartbeatInterval)}, deadAfter ${humanDuration(ring.timers.deadAfter)}, preemptDelay ${humanDuration(ring.timers.preemptDelay)}\n`,
  );
  show(sim.run(1000));
  say(`${at()}all up — ${loads()}\n`);

  say(`${at()}mail01, mail02 and mail03 crash`);
  sim.kill('mail01', 'mail02', 'mail03');
  show(sim.run(3000));
  say(`${at()}${loads()}   (CARP's ring left 4 on mail04 and 1 on mail05; here it is 5 and 5)\n`);

  say(`${at()}the three servers return`);
  sim.revive('mail01', 'mail02', 'mail03');
  show(sim.run(ring.timers.preemptDelay + 2000));
  say(`${at()}all home — ${loads()}\n`);

  say(`${at()}mail04 is drained for maintenance`);
  sim.drain('mail04');
  show([...sim.run(ring.timers.heartbeatInterval)]);
  say(`${at()}${loads()} — nothing unowned\n`);

  // Say it before running: the VIPs go home on the next decision, so a line printed after the
  // moves read as if they had gone back to a node still draining.
  say(`${at()}mail04 is undrained`);
  sim.drain('mail04', false);
  show(sim.run(ring.timers.preemptDelay + 1000));
  say(`${at()}${loads()}\n`);

  say(`${at()}mail05's IMAP check starts failing`);
  sim.setCheck('mail05', 'imap', false);
  show(sim.run(ring.timers.heartbeatInterval));
  say(`${at()}${loads()}`);
}
