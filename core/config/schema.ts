import { z } from 'zod';
import { CheckSchema } from './checks';
import { EtcdControlSchema } from './etcd';
import { NodeSchema } from './nodes';
import { duration, hostPort, identifier, ipAddress } from './primitives';
import { TopologySchema } from './topology-schema';
import { VipSchema } from './vips';

const timers = z.strictObject({
  /** How often agents send a heartbeat. Default 1s (cloud), 200ms (peer). */
  heartbeatInterval: duration.optional(),
  /** A node whose last heartbeat was received longer ago than this is dead. Default 3 intervals. */
  deadAfter: duration.optional(),
  /** How long a returning preferred node must have been healthy before it takes its VIP back. */
  preemptDelay: duration.optional(),
  /** How long a VIP stays put after any move in the group before rebalancing may move things again. */
  minHold: duration.optional(),
  /** At most `moves` non-forced moves of one VIP per `window`; forced moves (dead, unhealthy, drain) always happen. */
  flapBudget: z.strictObject({ moves: z.number().int().min(1), window: duration }).optional(),
  /** Peer mode: how long a node announces a claim before binding, so simultaneous claims meet. Default interval/10. */
  claimHoldoff: duration.optional(),
  /** At most this many rebalancing moves per decision. */
  rebalanceCap: z.number().int().min(0).optional(),
});

/** A DNS record set that lists exactly the VIPs with a healthy owner (round-robin membership, as the seeds publish). */
const dnsRecord = z.strictObject({
  provider: z.literal('aws-route53').default('aws-route53'),
  hostedZoneId: z.string().min(1),
  name: z.string().min(1),
  ttl: z.number().int().min(0).max(86_400).default(60),
  /** VIP names or addresses in the set. */
  vips: z.array(z.string().min(1)).min(1),
});

/**
 * Witnessed liveness (local and aws modes): agents watch a few ring neighbours over signed UDP
 * heartbeats and tell the control plane only what changes, plus a slow keepalive
 * (docs/control-plane.md, "Witnessed liveness").
 */
const witness = z.strictObject({
  /** UDP port agents exchange witness heartbeats on. */
  port: z.number().int().min(1).max(65535).default(7402),
  /** How many ring neighbours watch each node (capped at the other nodes there are). */
  watchers: z.number().int().min(1).max(8).default(3),
  /** How often an agent reports to the control plane when nothing changed. Default 60s in aws (each report is a billed request), 5s locally. */
  keepalive: duration.optional(),
});

/** How the control plane learns that a node is alive. */
const liveness = z.enum(['witnessed', 'direct']).default('witnessed');

/**
 * The control plane signs its answers (docs/protocol.md, "The answer"); agents verify them with
 * this public key from their config, never with one fetched from the control plane.
 */
const answerSigning = {
  /** The control plane's Ed25519 public key: base64 of 32 bytes, or a PEM "BEGIN PUBLIC KEY" block. */
  answerKey: z.string().min(1).optional(),
};

const control = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('local'),
    /** Where `ipferry control` listens for heartbeats and API calls. */
    listen: hostPort.default('127.0.0.1:7400'),
    /** The URL agents and the CLI use to reach it (default: http://<listen>). */
    url: z.url().optional(),
    /** Bearer token for the API (status, drain, move); heartbeats are authenticated by their signatures. */
    apiToken: z.string().min(16).optional(),
    /** witnessed: agents watch each other and report changes; direct: every heartbeat goes to the control plane. */
    liveness,
    witness: witness.prefault({}),
    ...answerSigning,
    /** The control plane's own Ed25519 private key (PEM, `ipferry keygen --for control`): read by `ipferry control` only. */
    answerKeyFile: z.string().min(1).optional(),
    /**
     * Where `ipferry control` keeps drains, pins, assignments and events across restarts: a state
     * file (one control plane per file, docs/control-plane.md "State across restarts"). Absent: in
     * memory, forgotten on restart.
     */
    store: z.strictObject({ file: z.string().min(1) }).optional(),
    /** HTTPS: required to listen beyond loopback (cert and key: the control plane; ca: what agents trust, or the pinned certificate itself). */
    tls: z
      .strictObject({
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        caFile: z.string().min(1).optional(),
      })
      .optional(),
  }),
  z.strictObject({
    mode: z.literal('aws'),
    region: z.string().min(1),
    /** The DynamoDB table (default ipferry-<cluster>). */
    table: z.string().min(3).optional(),
    /** The heartbeat function URL (known after `cdk deploy`). */
    heartbeatUrl: z.url().optional(),
    /** The API function URL (IAM-authenticated). */
    apiUrl: z.url().optional(),
    liveness,
    witness: witness.prefault({}),
    ...answerSigning,
  }),
  z.strictObject({
    mode: z.literal('peer'),
    /** UDP port agents exchange heartbeats on. */
    port: z.number().int().min(1).max(65535).default(7401),
    /** Unicast peers as host:port; default: every other node's first address on `port`. */
    peers: z.array(hostPort).optional(),
    /** Also send to this multicast group. */
    multicast: ipAddress.optional(),
    /** majority: act only while seeing more than half the nodes. none: VRRP-like, for two-node pairs. */
    quorum: z.enum(['majority', 'none']).optional(),
  }),
  /** The cluster's state in an etcd v3 cluster; liveness is each agent's etcd lease (docs/etcd-mode.md). */
  EtcdControlSchema,
]);

const security = z.strictObject({
  /** ed25519: each node signs with its own key (public keys in nodes[]); hmac-sha256: one pre-shared key. */
  signing: z.enum(['ed25519', 'hmac-sha256']).optional(),
  /** The pre-shared key itself (prefer pskFile or pskEnv outside of labs). */
  psk: z.string().min(16, { message: 'a pre-shared key needs at least 16 characters' }).optional(),
  pskFile: z.string().min(1).optional(),
  pskEnv: z.string().min(1).optional(),
  /** Heartbeats whose sentAt is further than this from the receiver's clock are refused. Default: 4 × deadAfter, within 2–30 s (normalize.ts). */
  clockSkew: duration.optional(),
  maxHeartbeatBytes: z.number().int().min(512).max(1_048_576).default(16_384),
});

export const ConfigSchema = z.strictObject({
  /** The cluster's name: a namespace for heartbeats, table keys, tags (ipferry:cluster=<name>). */
  cluster: identifier,
  timers: timers.prefault({}),
  nodes: z.array(NodeSchema).min(1, { message: 'at least one node is needed' }),
  checks: z.record(identifier, CheckSchema).default({}),
  vips: z.array(VipSchema).default([]),
  dns: z.array(dnsRecord).default([]),
  /** LAN segments by CIDR: which interface a `lan` VIP is plumbed on, and which nodes it may move among. */
  topology: TopologySchema.optional(),
  control: control.prefault({ mode: 'local' }),
  security: security.prefault({}),
});

export type ConfigInput = z.input<typeof ConfigSchema>;
export type ParsedConfig = z.output<typeof ConfigSchema>;
