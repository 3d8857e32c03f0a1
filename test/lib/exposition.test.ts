import { describe, expect, it } from 'vitest';
import { Exposition } from '../../lib/exposition';

describe('one Prometheus exposition for the agent and the control plane', () => {
  it('renders counters, gauges and histograms with their HELP and TYPE, in the order declared', async () => {
    const m = new Exposition();
    const sent = m.counter('t_sent_total', 'Things sent, by outcome', ['outcome']);
    const held = m.gauge('t_held', 'Things held now');
    const took = m.histogram('t_seconds', 'How long a thing took', [0.1, 1], ['kind']);
    sent.inc({ outcome: 'ok' });
    sent.inc({ outcome: 'ok' });
    held.set(3);
    took.observe({ kind: 'a' }, 0.5);
    const text = await m.render();
    expect(text.split('\n').filter((l) => l.startsWith('# '))).toEqual([
      '# HELP t_sent_total Things sent, by outcome',
      '# TYPE t_sent_total counter',
      '# HELP t_held Things held now',
      '# TYPE t_held gauge',
      '# HELP t_seconds How long a thing took',
      '# TYPE t_seconds histogram',
    ]);
    expect(text).toContain('t_sent_total{outcome="ok"} 2\n');
    expect(text).toContain('t_held 3\n');
    expect(text).toContain('t_seconds_bucket{le="0.1",kind="a"} 0\n');
    expect(text).toContain('t_seconds_bucket{le="1",kind="a"} 1\n');
    expect(text).toContain('t_seconds_bucket{le="+Inf",kind="a"} 1\n');
    expect(text).toContain('t_seconds_count{kind="a"} 1\n');
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('a hostile label value cannot break a line or a label: quotes, backslashes and newlines are escaped', async () => {
    const m = new Exposition();
    m.counter('t_refused_total', 'Refused, by reason', ['reason']).inc({ reason: 'x"} 1\nfake_total 9\\' });
    const text = await m.render();
    expect(text).toContain('t_refused_total{reason="x\\"} 1\\nfake_total 9\\\\"} 1\n');
    expect(text.split('\n').some((l) => l.startsWith('fake_total'))).toBe(false);
  });

  it('a label not declared with its family is refused, and the family keeps no series for it', async () => {
    const m = new Exposition();
    const c = m.counter('t_runs_total', 'Runs, by result', ['result']);
    // Cast past the types, as a caller fed by the network would: the family's label names are fixed.
    expect(() => c.inc({ result: 'ok', vip: '198.18.0.1' } as unknown as { result: string })).toThrow(/vip/);
    expect(await m.render()).not.toContain('198.18.0.1');
  });

  it('each exposition has a registry of its own: two in one process never share a series', async () => {
    const a = new Exposition();
    const b = new Exposition();
    a.gauge('t_same', 'Declared in both').set(1);
    b.gauge('t_same', 'Declared in both').set(2);
    expect(await a.render()).toContain('t_same 1\n');
    expect(await b.render()).toContain('t_same 2\n');
  });
});
