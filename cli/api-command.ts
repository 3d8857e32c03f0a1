import { ConfigError, type Config } from '../core/config';
import { apiClient, ApiClientError, errorLine, type ApiAnswer, type ApiClient } from './api-client';
import { printConfigError, readConfigFile } from './config-file';

/** Flags every command that talks to a control plane's API takes. */
export const API_FLAGS = {
  url: { type: 'string' },
  token: { type: 'string' },
  config: { type: 'string' },
  ca: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const API_FLAGS_USAGE = `  --url URL        the control plane (default: from --config's control section)
  --config FILE    the cluster config (local: control.url or control.listen; aws: control.apiUrl, IAM-signed)
  --token TOKEN    the local API's bearer token (default $IPFERRY_API_TOKEN, then control.apiToken)
  --ca FILE        HTTPS: the certificate (or CA) to trust for a local control plane (default control.tls.caFile)
  --json           print the API's answer as JSON, for scripts`;

/**
 * Runs one API call for a command: builds the client, sends, prints the answer (JSON or the
 * table `render` makes), and turns failures into exit codes: 1 for a refusal or an unreachable
 * control plane, 2 for missing flags.
 */
export async function runApi(
  values: { url?: string; token?: string; config?: string; ca?: string; json?: boolean },
  call: (client: ApiClient) => Promise<ApiAnswer>,
  render: (body: Record<string, unknown>) => string,
  /** Statuses whose body is rendered although the call did not fully succeed (exit code 1). */
  opts: { alsoRender?: number[] } = {},
): Promise<number> {
  let config: Config | undefined;
  if (values.config) {
    try {
      config = await readConfigFile(values.config);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      printConfigError(values.config, err);
      return 1;
    }
  }
  if (!values.url && !config) {
    console.error('ipferry: give the control plane with --url URL or --config FILE');
    return 2;
  }
  try {
    const client = apiClient({
      ...(values.url ? { url: values.url } : {}),
      ...(values.token ? { token: values.token } : {}),
      ...(values.ca ? { caFile: values.ca } : {}),
      ...(config ? { config } : {}),
    });
    const answer = await call(client);
    const ok = answer.status === 200;
    const renderable = ok || (opts.alsoRender ?? []).includes(answer.status);
    if (values.json) console.log(JSON.stringify(answer.body, null, 2));
    else if (renderable) console.log(render(answer.body));
    if (!renderable) console.error(`ipferry: ${errorLine(answer)}`);
    return ok ? 0 : 1;
  } catch (err) {
    if (!(err instanceof ApiClientError)) throw err;
    console.error(`ipferry: ${err.message}`);
    return 1;
  }
}
