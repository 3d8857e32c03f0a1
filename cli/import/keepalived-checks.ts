import type { HostFile } from './keepalived-host';
import { identifierOf, type Notes } from './report';
import { shellWords } from './shell-words';

/**
 * vrrp_script → exec checks, from the first host that defines each script (they run on every
 * node). keepalived runs `script` through its own word splitter without a shell; so does ipferry.
 */
export function scriptChecks(hosts: HostFile[], notes: Notes): Record<string, Record<string, unknown>> {
  const checks: Record<string, Record<string, unknown>> = {};
  const used = new Set(hosts.flatMap((h) => h.instances.flatMap((i) => i.trackScripts.map((t) => t.name))));
  for (const h of hosts) {
    for (const s of h.scripts.values()) {
      const name = identifierOf(s.name);
      if (checks[name]) continue;
      if (!used.has(s.name)) {
        notes.drop(s.where, `vrrp_script ${s.name}`, 'no vrrp_instance tracks it');
        continue;
      }
      let command: string[];
      try {
        command = shellWords(s.command);
      } catch (err) {
        notes.drop(
          s.where,
          `vrrp_script ${s.name}`,
          `its script cannot be split into words: ${(err as Error).message}`,
        );
        continue;
      }
      if (command.length === 0) {
        notes.drop(s.where, `vrrp_script ${s.name}`, 'it has no script line');
        continue;
      }
      // The config wants timeout < interval; keepalived's default timeout is the interval itself.
      const timeout =
        s.timeoutMs !== undefined && s.timeoutMs < s.intervalMs
          ? s.timeoutMs
          : Math.max(1, Math.floor(s.intervalMs / 2));
      if (s.timeoutMs !== undefined && s.timeoutMs >= s.intervalMs)
        notes.warn(
          s.where,
          `vrrp_script ${s.name} timeout`,
          `ipferry wants a timeout shorter than the interval: ${timeout} ms is used`,
        );
      if (s.weight !== undefined)
        notes.drop(
          s.weight.where,
          `weight ${s.weight.value}`,
          'a weight shifts VRRP priority; ipferry has no priorities to shift: a failing check makes the node ineligible for the VIP instead, so a failing script now always moves the VIP',
        );
      checks[name] = { kind: 'exec', command, interval: s.intervalMs, timeout, rise: s.rise, fall: s.fall };
    }
  }
  for (const h of hosts)
    for (const i of h.instances)
      for (const t of i.trackScripts) {
        if (!h.scripts.has(t.name) && !hosts.some((o) => o.scripts.has(t.name)))
          notes.drop(t.where, `track_script ${t.name}`, 'no vrrp_script of that name in the imported files');
      }
  return checks;
}

// Linux interface names: at most 15 characters, and safe inside a /sys path.
const INTERFACE_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,14}$/;

/**
 * track_interface → an exec check per link that passes only while the link has carrier: reading
 * /sys/class/net/IF/carrier gives 1 when up, 0 without carrier, and fails when the link is
 * administratively down. Checked every second, one failure enough, as keepalived reacts at once.
 */
export function linkChecks(
  hosts: HostFile[],
  checks: Record<string, Record<string, unknown>>,
  notes: Notes,
): Map<string, string> {
  const names = new Map<string, string>();
  for (const t of hosts.flatMap((h) => h.instances.flatMap((i) => i.trackInterfaces))) {
    if (names.has(t.name)) continue;
    if (!INTERFACE_NAME.test(t.name)) {
      notes.drop(t.where, `track_interface ${t.name}`, 'not a Linux interface name');
      continue;
    }
    const name = `link-${t.name}`;
    names.set(t.name, name);
    checks[name] = {
      kind: 'exec',
      command: ['grep', '-qx', '1', `/sys/class/net/${t.name}/carrier`],
      interval: 1000,
      timeout: 500,
      rise: 1,
      fall: 1,
    };
  }
  return names;
}
