import type { Config } from '../../core/config';

/**
 * Where heartbeats go (protocol.md, Transport): local mode `<control.url or http://<listen>>/v1/heartbeat`,
 * AWS mode the heartbeat function URL as given. Peer mode has no URL: its transport is UDP.
 */
export function heartbeatUrl(config: Config): string {
  const c = config.control;
  if (c.mode === 'local') {
    const base = c.url ?? `http://${c.listen}`;
    return `${base.replace(/\/+$/, '')}/v1/heartbeat`;
  }
  if (c.mode === 'aws') {
    if (!c.heartbeatUrl) throw new Error('control.heartbeatUrl is not set: put the heartbeat function URL (from cdk deploy) in the config');
    return c.heartbeatUrl;
  }
  throw new Error('control.mode peer: heartbeats go to peers over UDP, which this agent does not speak yet');
}
