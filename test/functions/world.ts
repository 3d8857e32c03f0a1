import { createRuntime, type Runtime } from '../../functions/runtime';
import { hetznerClusterInput, PSK } from '../control/helpers/clusters';
import type { LocalDynamo } from '../control/helpers/dynalite';
import { startHetzner } from '../control/helpers/hetzner';
import { loadConfig } from '../../core/config';

/** The AWS-mode cluster document: no key inline, the PSK comes from the environment. */
export function awsClusterText(timers: Record<string, unknown> = {}): string {
  const raw = hetznerClusterInput({ control: { mode: 'aws', region: 'eu-central-1', liveness: 'direct' }, timers });
  return JSON.stringify({ ...raw, security: { pskEnv: 'IPFERRY_PSK', clockSkew: 5000 } });
}

/**
 * What a Lambda container sees: the environment the CDK app sets (config text, table, PSK, the
 * Hetzner token) with the endpoints pointed at dynalite and the Hetzner emulator; the runtime is
 * built by the same createRuntime the handlers use, providers included (with their production
 * polling, so a Hetzner move takes about a second: tests of the API use the cloud timers).
 */
export async function functionWorld(
  dynamo: LocalDynamo,
  opts: { timers?: Record<string, unknown>; env?: Record<string, string> } = {},
) {
  const configText = awsClusterText(opts.timers);
  const hz = await startHetzner(loadConfig(JSON.parse(configText)).nodes);
  const table = await dynamo.newTable();
  const env = {
    IPFERRY_CONFIG: configText,
    IPFERRY_TABLE: table,
    IPFERRY_PSK: PSK,
    IPFERRY_HETZNER_TOKEN: 'test-token',
    IPFERRY_HETZNER_API_URL: hz.emulator.apiUrl,
    ...opts.env,
  };
  const rt: Runtime = await createRuntime({
    env,
    dynamo: dynamo.client,
    tuning: { moveDeadlineMs: 5000, leaseMs: 5000 },
  });
  return { rt, hz, env, table, config: rt.ctx.config, close: () => hz.close() };
}
