import { describe, expect, it } from 'vitest';
import { RecordingHostNet } from '../../agent/hostnet';

describe('RecordingHostNet in a long-running agent', () => {
  it('keeps the latest operations only, so listing the host every second for days does not grow without end', async () => {
    const host = new RecordingHostNet({ maxOperations: 100, now: () => 0 });
    for (let i = 0; i < 1000; i++) await host.bound(['eth0']);
    expect(host.operations.length).toBeLessThanOrEqual(110);
    expect(host.operations.length).toBeGreaterThanOrEqual(100);
    await host.bind({ address: '198.18.0.9', prefixLength: 24, family: 4, interface: 'eth0' });
    expect(host.operations.at(-1)).toMatchObject({ op: 'bind', changed: true });
  });
});
