import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seedWalkthrough } from '../../cli/demo/seeds';
import { SEED_001_RING_YAML } from '../../cli/demo/embedded';

describe('the seed walkthrough demo', () => {
  it('embeds exactly the seed 001 example', () => {
    expect(SEED_001_RING_YAML).toBe(
      readFileSync(new URL('../../examples/seeds/001-carp-ring.yaml', import.meta.url), 'utf8'),
    );
  });

  it('prints one JSON line per move, ending 5/5 after three deaths and all home after their return', () => {
    const lines: string[] = [];
    seedWalkthrough((l) => lines.push(l), true);
    const moves = lines.map(
      (l) => JSON.parse(l) as { vip: string; from: string | null; to: string; reason: string; t_ms: number },
    );
    const deaths = moves.filter((m) => m.reason === 'owner-dead');
    expect(deaths).toHaveLength(6);
    const survivors = deaths.map((m) => m.to);
    expect(survivors.filter((n) => n === 'mail04')).toHaveLength(3);
    expect(survivors.filter((n) => n === 'mail05')).toHaveLength(3);
    expect(moves.filter((m) => m.reason === 'preempt').length).toBeGreaterThanOrEqual(6);
    expect(moves.filter((m) => m.reason === 'drain')).toHaveLength(2);
    expect(moves.filter((m) => m.reason === 'owner-unhealthy')).toHaveLength(2);
  });

  it('narrates for people without --json', () => {
    const lines: string[] = [];
    seedWalkthrough((l) => lines.push(l), false);
    expect(lines.join('\n')).toContain('mail04 5, mail05 5');
  });
});
