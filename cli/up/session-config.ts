import { HOST_BOUND_KINDS, type Config } from '../../core/config';

/** What one `ipferry up` session chose for itself: where things listen, which keys it made. */
export interface SessionFacts {
  /** The control plane's port on 127.0.0.1. */
  controlPort: number;
  /** The witnesses' UDP port, shared by every node (each on its own loopback address). */
  witnessPort: number;
  /** Three octets, "127.a.b": node i gets "127.a.b.(10+i)". */
  loopbackPrefix: string;
  /** ed25519 clusters: node id → base64 public key of the key made for this session. */
  publicKeys?: Record<string, string>;
  /** hmac clusters: the file holding the session's pre-shared key. */
  pskFile?: string;
  /** Keep the config's checks (they probe this machine) instead of standing in for them. */
  keepChecks: boolean;
}

/** What the session changed, said to the user so nothing is changed behind their back. */
export interface SessionConfig {
  doc: Record<string, unknown>;
  notes: string[];
}

type Doc = Record<string, unknown>;
const LOOPBACK_PREFIX = /^127\.\d{1,3}\.\d{1,3}$/;

/** The most nodes one session runs: one loopback address each, 127.a.b.10 to .249. */
export const MAX_UP_NODES = 240;

/**
 * The user's config made runnable on one machine, from its raw document (their structure kept)
 * and its parsed form (to know the defaults): a local control plane on 127.0.0.1 with witnessed
 * liveness (as configured, or instead of peer mode, which needs a network per node), each node
 * watched on its own loopback address, keys made for the session, hooks left out and checks stood
 * in for unless kept. Pure: the caller picks the ports and writes the keys.
 */
export function sessionConfig(raw: Doc, config: Config, facts: SessionFacts): SessionConfig {
  if (!LOOPBACK_PREFIX.test(facts.loopbackPrefix))
    throw new Error(`loopback prefix "${facts.loopbackPrefix}" is not 127.a.b`);
  if (config.nodes.length > MAX_UP_NODES)
    throw new Error(
      `ipferry up runs at most ${MAX_UP_NODES} nodes on one machine; the config has ${config.nodes.length}`,
    );
  const notes: string[] = [];
  const doc: Doc = { ...raw };
  const c = config.control;

  const witness = c.mode === 'peer' ? {} : { ...((raw.control as Doc | undefined)?.witness as Doc | undefined) };
  doc.control = {
    mode: 'local',
    listen: `127.0.0.1:${facts.controlPort}`,
    liveness: c.mode === 'peer' || c.mode === 'etcd' ? 'witnessed' : c.liveness,
    witness: { ...witness, port: facts.witnessPort },
  };
  if (c.mode === 'peer') {
    notes.push(
      'peer mode needs a network per node (npm run demo -- --lan does that in namespaces, as root); here a local control plane decides, with the same nodes, checks and VIPs, so ipferry status and events can show it',
    );
  } else if (c.mode === 'aws') {
    notes.push(
      `control.mode aws runs here as a local control plane, with the providers' emulators in place of ${c.region}`,
    );
  }

  doc.nodes = (raw.nodes as Doc[]).map((n, i) => {
    const node: Doc = {
      ...n,
      addresses: [`${facts.loopbackPrefix}.${10 + i}`, ...((n.addresses as string[] | undefined) ?? [])],
    };
    const key = facts.publicKeys?.[String(n.id)];
    if (config.security.signing === 'ed25519') {
      if (!key) throw new Error(`no session key for node ${String(n.id)}`);
      node.publicKey = key;
    }
    return node;
  });
  notes.push(
    `each node is watched on its own loopback address (${facts.loopbackPrefix}.10 onwards, UDP ${facts.witnessPort}) before its own`,
  );

  const security: Doc = { ...((raw.security as Doc | undefined) ?? {}) };
  if (config.security.signing === 'ed25519') {
    notes.push("heartbeat keys: made for this session (the config's public keys are not used)");
  } else {
    if (!facts.pskFile) throw new Error("an hmac-sha256 cluster needs the session's pskFile");
    delete security.psk;
    delete security.pskEnv;
    security.signing = 'hmac-sha256';
    security.pskFile = facts.pskFile;
    notes.push("pre-shared key: made for this session (the config's psk, pskFile or pskEnv is not read)");
  }
  doc.security = security;

  if (!facts.keepChecks && config.checks && Object.keys(config.checks).length > 0) {
    // The checks probe 127.0.0.1, the same machine for every node here: they cannot tell nodes
    // apart, and the services they expect are seldom running. Kept with --checks as-is.
    const rawChecks = (raw.checks as Record<string, Doc> | undefined) ?? {};
    doc.checks = Object.fromEntries(
      Object.keys(rawChecks).map((name) => [
        name,
        { kind: 'exec', command: ['true'], interval: '2s', timeout: '1s', rise: 1, fall: 2 },
      ]),
    );
    notes.push(
      `checks (${Object.keys(rawChecks).join(', ')}) stood in for by a command that passes: they probe this machine, the same for every node here (--checks as-is keeps them)`,
    );
  }

  const vips = (raw.vips as Doc[] | undefined) ?? [];
  if (vips.some((v) => v.hooks !== undefined)) {
    doc.vips = vips.map(({ hooks: _hooks, ...v }) => v);
    notes.push('hooks are not run: they would act on this machine');
  }
  const hostBound = config.vips.filter((v) => HOST_BOUND_KINDS.has(v.kind)).length;
  if (hostBound > 0)
    notes.push(
      `host plumbing is recorded, not applied (${hostBound} VIP${hostBound === 1 ? '' : 's'} an agent binds): no root needed`,
    );
  return { doc, notes };
}

/** The emulators a config's VIPs and DNS sets need. */
export function emulatorsFor(config: Config): Array<'ec2' | 'route53' | 'hetzner' | 'robot'> {
  const kinds = new Set(config.vips.map((v) => v.kind));
  const out: Array<'ec2' | 'route53' | 'hetzner' | 'robot'> = [];
  if (kinds.has('aws-secondary-ip') || kinds.has('aws-elastic-ip') || kinds.has('aws-overlay-route')) out.push('ec2');
  if (kinds.has('aws-route53') || config.dns.length > 0) out.push('route53');
  if (kinds.has('hetzner-floating-ip') || kinds.has('hetzner-alias-ip')) out.push('hetzner');
  if (kinds.has('hetzner-robot-failover-ip')) out.push('robot');
  return out;
}
