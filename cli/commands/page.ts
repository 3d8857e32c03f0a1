import { ConfigError, type Config } from '../../core/config';
import { apiClient, ApiClientError } from '../api-client';
import { API_FLAGS, API_FLAGS_USAGE } from '../api-command';
import { parse, type Command } from '../command';
import { printConfigError, readConfigFile } from '../config-file';
import { untilSignalled } from '../signals';
import { startStatusProxy } from '../status-proxy';

/** `ipferry page`: the status page through a loopback proxy that signs (AWS) or adds the token (local). */
export const page: Command = {
  async run(argv) {
    const usage = `usage: ipferry page [--listen 127.0.0.1:PORT] [--url URL | --config FILE] [--token TOKEN]\n\n  --listen ADDR    where the proxy listens, on loopback (default 127.0.0.1 and a free port)\n${API_FLAGS_USAGE.split(
      '\n',
    )
      .filter((l) => !l.includes('--json'))
      .join('\n')}`;
    const args = parse(argv, {
      usage,
      options: { url: API_FLAGS.url, token: API_FLAGS.token, config: API_FLAGS.config, listen: { type: 'string' } },
      positionals: { max: 0 },
    });
    if (typeof args === 'number') return args;
    const v = args.values;
    let config: Config | undefined;
    if (v.config) {
      try {
        config = await readConfigFile(v.config);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        printConfigError(v.config, err);
        return 1;
      }
    }
    if (!v.url && !config) {
      console.error('ipferry: give the control plane with --url URL or --config FILE');
      return 2;
    }
    try {
      const client = apiClient({
        ...(v.url ? { url: v.url } : {}),
        ...(v.token ? { token: v.token } : {}),
        ...(config ? { config } : {}),
      });
      const proxy = await startStatusProxy({ client, ...(v.listen ? { listen: v.listen } : {}) });
      console.log(`status page of ${client.url}: open ${proxy.pageUrl}  (Ctrl-C to stop)`);
      await untilSignalled();
      await proxy.close();
      return 0;
    } catch (err) {
      if (!(err instanceof ApiClientError) && !(err instanceof Error && /loopback|EADDR/.test(err.message))) throw err;
      console.error(`ipferry: ${err.message}`);
      return 1;
    }
  },
};
