import type { NodeSpec } from '../../../core/config';
import { HetznerCloudClient, HetznerCloudProvider } from '../../../adapters/hetzner/cloud';
import { demoCloudSeed, HetznerCloudEmulator } from '../../../sim/hetzner-cloud';

/** The Hetzner Cloud emulator on 127.0.0.1 with servers 1, 2, 4 (n1..n3), 5 (not ours) and floating IP 100 on server 1. */
export async function startHetzner(nodes: readonly NodeSpec[], opts: { actionDurationMs?: number } = {}) {
  const seed = demoCloudSeed({ actionDurationMs: opts.actionDurationMs ?? 30 });
  // Server 4 is n3; server 5 is in the project but not in the config (a "foreign" holder).
  seed.servers = [
    ...(seed.servers ?? []),
    { id: 4, name: 'mx3', location: 'fsn1', publicIpv4: '198.18.1.4' },
    { id: 5, name: 'other', location: 'fsn1', publicIpv4: '198.18.1.5' },
  ];
  const emulator = new HetznerCloudEmulator(seed);
  await emulator.start();
  const client = new HetznerCloudClient({ token: 'test-token', baseUrl: emulator.apiUrl, timeoutMs: 3000 });
  const provider = new HetznerCloudProvider({
    client,
    nodes,
    actionPollMs: 20,
    verifyPollMs: 20,
    observeDeadlineMs: 2000,
  });
  return {
    emulator,
    client,
    provider,
    /** Mutating API calls the emulator served (refused ones included). */
    changes: () => emulator.calls.count({ mutating: true }),
    /** The server the floating IP is on, by the emulator's own state. */
    holderServer: () => emulator.state.floatingIps.get(100)!.server.current(),
    close: () => emulator.close(),
  };
}
