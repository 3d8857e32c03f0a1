import type { HostFile } from './keepalived-host';
import type { ImportResult } from './report';

/** Where agent/install.sh puts agent/legacy-watch/check.sh, and where the watcher keeps its state. */
export const CHECK_SCRIPT = '/usr/local/lib/ipferry/legacy-vrrp-check.sh';
export const STATE_FILE = '/run/ipferry/legacy-vrrp.state';
const CHECK = 'legacy-vrrp';

/**
 * `ipferry import keepalived --beside`: the config for running beside keepalived during a switch
 * (docs/migrating.md): every VIP also needs the `legacy-vrrp` exec check, which passes only once no
 * old VRRP master has been heard for keepalived's master-down interval (3 × advert_int), and the
 * header says, per host, the `ipferry legacy-watch watch` line that keeps the check's state file.
 */
export function besideKeepalived(result: ImportResult, hosts: HostFile[]): ImportResult {
  const config = result.config;
  const advert = hosts.flatMap((h) => h.instances.map((i) => i.advertMs).filter((a): a is number => a !== undefined));
  const quietMs = 3 * (advert.length > 0 ? Math.min(...advert) : 1000);
  const checks = { ...((config.checks as Record<string, unknown> | undefined) ?? {}) };
  checks[CHECK] = {
    kind: 'exec',
    command: ['/bin/bash', CHECK_SCRIPT, '--state', STATE_FILE],
    interval: '1s',
    // A bash check takes milliseconds; under a second so one slow run never overlaps the next.
    timeout: '900ms',
    rise: 1,
    fall: 3,
  };
  const vips = (config.vips as Record<string, unknown>[]).map((v) => ({
    ...v,
    checks: [...((v.checks as string[] | undefined) ?? []), CHECK],
  }));
  const header = [
    ...result.header,
    `--beside: each VIP waits for the ${CHECK} check (no keepalived master heard for ${quietMs} ms); on each host, beside keepalived, as root:`,
    ...hosts.map((h) => `  ${h.host}: ${watchLine(h, quietMs)}`),
    `Once the last keepalived has stopped and ipferry holds every VIP, remove the ${CHECK} check (and reload), then stop the watchers.`,
  ];
  return { ...result, config: { ...config, checks, vips }, header };
}

function watchLine(h: HostFile, quietMs: number): string {
  const iface = h.instances.find((i) => i.interface !== undefined)?.interface ?? 'IFACE';
  const vrids = [...new Set(h.instances.map((i) => i.routerId).filter((r): r is number => r !== undefined))];
  const own = [...new Set(h.instances.map((i) => i.unicastSrc).filter((a): a is string => a !== undefined))];
  return [
    'ipferry legacy-watch watch',
    `--iface ${iface}`,
    `--vrid ${vrids.join(',')}`,
    ...own.map((a) => `--own ${a}`),
    `--quiet-ms ${quietMs}`,
    `--state ${STATE_FILE}`,
  ].join(' ');
}
