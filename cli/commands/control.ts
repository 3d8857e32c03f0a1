import pino from 'pino';
import { ConfigError } from '../../core/config';
import { parseDuration } from '../../core/duration';
import { startLocalControlPlane } from '../../control/local-server';
import { FileStore } from '../../adapters/file-store';
import { pinoLog } from '../../lib/log';
import { parse, usageError, type Command } from '../command';
import { termSafe, termSafeLines } from '../terminal-text';
import { untilSignalled } from '../signals';
import { printConfigError, readConfigFile } from '../config-file';
import { localControlSecrets, providersFor } from '../control-setup';
import { ControlReloader, type ReloadParts } from '../../control/reload';

const USAGE = `usage: ipferry control --config FILE [options]

Runs the local control plane: it takes signed heartbeats on POST /v1/heartbeat, decides who owns
every VIP, moves addresses through the providers, and serves the API (status, events, plan,
drain, undrain, move) on the same port. State is kept in memory, or in the file control.store.file
names (drains, pins, assignments and events then survive a restart; one control plane per file).
SIGHUP rereads the config file: a change that needs a restart, or a file that does not load, is
refused with the reason in the log and changes nothing (docs/control-plane.md: Reload).

  --config FILE            the cluster config (control.mode local)
  --listen HOST:PORT       where to listen (default control.listen, 127.0.0.1:7400)
  --reconcile DURATION     how often to read the providers and repair drift (default 60s)
  --log-level LEVEL        pino level (default info, or $IPFERRY_LOG_LEVEL)
  --hetzner-url URL        Hetzner Cloud API (default $HCLOUD_ENDPOINT, else api.hetzner.cloud)
  --robot-url URL          Hetzner Robot web service
  --ec2-endpoint URL       EC2 (default $AWS_ENDPOINT_URL_EC2)
  --route53-endpoint URL   Route 53 (default $AWS_ENDPOINT_URL_ROUTE_53)
  --aws-region REGION      default $AWS_REGION

Credentials come from the environment, as in the AWS runtime (docs/control-plane.md):
IPFERRY_HETZNER_TOKEN or HCLOUD_TOKEN (Hetzner Cloud), IPFERRY_ROBOT_USER and
IPFERRY_ROBOT_PASSWORD (Robot), the standard AWS chain; an hmac-sha256 key from security.psk,
IPFERRY_PSK, security.pskFile or security.pskEnv, in that order. "ipferry sim" prints what to
export to point all of this at an emulator.`;

export function controlCommand(
  until: () => Promise<void> = untilSignalled,
  env: NodeJS.ProcessEnv = process.env,
): Command {
  return {
    async run(argv) {
      // SIGHUP from the first moment: a reload asked for while starting runs once started, never
      // Node's default for SIGHUP (the process would end without a clean stop).
      let reloader: ControlReloader<ReloadParts> | undefined;
      let early = false;
      const onHup = () => (reloader ? void reloader.reload() : (early = true));
      process.on('SIGHUP', onHup);
      try {
        return await runControl(argv, until, env, (r) => {
          reloader = r;
          if (early) void r.reload();
        });
      } finally {
        process.off('SIGHUP', onHup);
      }
    },
  };
}

async function runControl(
  argv: string[],
  until: () => Promise<void>,
  env: NodeJS.ProcessEnv,
  started: (r: ControlReloader<ReloadParts>) => void,
): Promise<number> {
  const args = parse(argv, {
    usage: USAGE,
    options: {
      config: { type: 'string' },
      listen: { type: 'string' },
      reconcile: { type: 'string' },
      'log-level': { type: 'string' },
      'hetzner-url': { type: 'string' },
      'robot-url': { type: 'string' },
      'ec2-endpoint': { type: 'string' },
      'route53-endpoint': { type: 'string' },
      'aws-region': { type: 'string' },
    },
    positionals: { max: 0 },
  });
  if (typeof args === 'number') return args;
  const v = args.values;
  if (!v.config) {
    return usageError(USAGE, '--config is required');
  }
  const reconcile = v.reconcile === undefined ? 60_000 : parseDuration(v.reconcile);
  if (reconcile === undefined || reconcile < 100) {
    return usageError(USAGE, `--reconcile must be a duration of at least 100ms, like 30s, not "${v.reconcile}"`);
  }
  let config;
  try {
    config = await readConfigFile(v.config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    printConfigError(v.config, err);
    return 1;
  }
  if (config.control.mode === 'peer' || config.control.mode === 'etcd') {
    const who =
      config.control.mode === 'peer'
        ? 'the agents decide among themselves'
        : 'the agents keep the state in etcd and elect their decider there';
    console.error(
      `ipferry: ${termSafe(v.config)}: control.mode is ${config.control.mode}: ${who}, there is no control plane to run`,
    );
    return 1;
  }
  const logger = pino({
    level: v['log-level'] ?? env.IPFERRY_LOG_LEVEL ?? 'info',
    base: { service: 'ipferry-control', cluster: config.cluster },
  });
  const log = pinoLog(logger);
  const flags = {
    hetznerUrl: v['hetzner-url'],
    robotUrl: v['robot-url'],
    ec2Endpoint: v['ec2-endpoint'],
    route53Endpoint: v['route53-endpoint'],
    awsRegion: v['aws-region'],
  };
  let cp;
  let store: FileStore | undefined;
  try {
    const { psk, credentials } = await localControlSecrets(config, env, flags);
    const { providers, publisher } = providersFor(config, credentials, logger);
    const file = config.control.mode === 'local' ? config.control.store?.file : undefined;
    if (file !== undefined) store = await FileStore.open({ path: file, log });
    cp = await startLocalControlPlane({
      config,
      log,
      ...(store ? { store } : {}),
      providers,
      ...(publisher ? { publisher } : {}),
      ...(psk ? { psk } : {}),
      ...(v.listen ? { listen: v.listen } : {}),
      reconcileEveryMs: reconcile,
    });
  } catch (err) {
    await store?.close();
    console.error(`ipferry control: ${termSafeLines(err instanceof Error ? err.message : String(err))}`);
    return 1;
  }
  console.log(`ipferry control plane for cluster ${config.cluster} on ${cp.url} (heartbeats: ${cp.url}/v1/heartbeat)`);
  const running = cp;
  const file = v.config;
  started(
    new ControlReloader<ReloadParts>({
      file,
      config,
      log,
      load: () => readConfigFile(file),
      // Credentials again (a new VIP's provider may need one the old config did not), the psk as started.
      async prepare(next) {
        const { credentials } = await localControlSecrets(next, env, flags);
        const { providers, publisher } = providersFor(next, credentials, logger);
        return { providers, ...(publisher ? { publisher } : {}) };
      },
      apply: (next, parts) => running.reload(next, parts),
    }),
  );
  await until();
  await cp.close();
  await store?.close();
  return 0;
}

export const control = controlCommand();
