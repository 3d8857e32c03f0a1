import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PeerOpsBook } from '../../../agent/peer/ops-book';
import { peerClusterStatus } from '../../../agent/peer/ops-status';
import { formatPeerEvents, formatPeerStatus } from '../../../cli/peer-ops';
import { configDigest } from '../../../core/config';
import { hmacSigner } from '../../../core/heartbeat';
import { opVerifier } from '../../../core/peer/ops';
import { NOW, up } from '../../helpers/views';
import { PSK, trio } from './loop-fixture';

const config = trio();

function book(self: string) {
  return new PeerOpsBook({
    config,
    self,
    signer: hmacSigner(PSK),
    verify: opVerifier(config, { psk: PSK }),
    now: () => NOW,
    logger: pino({ level: 'silent' }),
    cluster: () => ({ views: [up('n1'), up('n2'), up('n3')], settled: true, holder: () => 'n1' }),
    changed: () => undefined,
  });
}

describe('ipferry status in peer mode: where the nodes’ views disagree', () => {
  it('names a peer carrying other operations, another config, and a VIP held twice; the text is escaped', () => {
    const n1 = book('n1');
    n1.issue({ kind: 'drain', target: 'n3', on: true, by: 'ops\u001b[2J' });
    // n2 has not heard the drain yet (its last heartbeat carried nothing); n3 has.
    n1.merge('n2', []);
    n1.merge('n3', n1.list());
    const views = [
      up('n1', { held: ['web'] }),
      up('n2', { held: ['web'], digest: '0123456789abcdef' }),
      up('n3', { digest: configDigest(config) }),
    ];
    const s = peerClusterStatus({
      config,
      self: 'n1',
      now: NOW,
      configDigest: configDigest(config),
      views,
      last: undefined,
      ops: n1,
    });
    expect(s.drained).toEqual(['n3']);
    expect(s.nodes.find((n) => n.node === 'n2')).toMatchObject({ drainedAsItSees: [], draining: false });
    expect(s.nodes.find((n) => n.node === 'n3')).toMatchObject({ drainedAsItSees: ['n3'], draining: true });
    expect(s.disagreements).toEqual([
      `n2 runs config 0123456789abcdef, this node ${configDigest(config)}`,
      `n2 carries other operations (${s.nodes[1]!.opsDigest}, drained: none) than this node (${n1.digest()}, drained: n3)`,
      'web is held by n1 and n2',
    ]);
    const text = formatPeerStatus(s);
    expect(text).toContain('views disagree:');
    expect(text).toContain('n1 (here)');
    // The operator's name came over the wire: `ipferry events` prints it escaped, never raw.
    expect(n1.log.page(10).events[0]!.detail).toBe('n3 drained by ops\u001b[2J');
    const events = formatPeerEvents(n1.log.page(10) as unknown as Record<string, unknown>);
    expect(events).toContain('n3 drained by ops\\x1b[2J');
    expect(events).not.toContain('\u001b');
  });
});
