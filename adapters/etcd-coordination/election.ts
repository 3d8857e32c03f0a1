import type { Etcd3 } from 'etcd3';

/**
 * One decider at a time, through etcd's own election recipe (etcd3's `Election`, the Go client's
 * concurrency.Election): each candidate puts a key under the election's prefix with a lease of
 * its own; the one whose key was created first leads, and the next one leads when that key is
 * deleted — resigned, or its lease not kept alive for `ttlSeconds`. The shape is control/etcd's
 * `Election` port (matched structurally: adapters do not import the control floor).
 */
export function etcdElection(client: Etcd3, opts: { name: string; ttlSeconds: number; value: string }) {
  return {
    campaign(events: { elected(): void; lost(reason: string): void }): { resign(): Promise<void> } {
      const campaign = client.election(opts.name, Math.max(1, opts.ttlSeconds)).campaign(opts.value);
      let over = false;
      campaign.on('elected', () => {
        if (!over) events.elected();
      });
      campaign.on('error', (err: Error) => {
        if (over) return;
        over = true;
        // A failed campaign has ended (etcd3's docs): its key goes with its lease, so nobody waits on it.
        campaign.resign().catch(() => undefined);
        events.lost(`election: ${err.message}`);
      });
      return {
        async resign() {
          if (over) return;
          over = true;
          await campaign.resign();
          events.lost('resigned');
        },
      };
    },
  };
}
