import { describe, expect, it } from 'vitest';
import { bigClusterConfig, bigClusterPrivateKey } from '../../bench/big-cluster';
import { parseConfig, configDigest, inNodeSubnet } from '../../core/config';
import { ed25519Signer, privateKeyFrom, publicKeyFrom } from '../../core/heartbeat';
import { verify } from 'node:crypto';

describe('bigClusterConfig', () => {
  it('builds a DuraVIP-scale document that validation accepts: 256 nodes, 10,240 secondary IPs over 4 subnets', () => {
    const r = parseConfig(bigClusterConfig({ nodes: 256, vips: 10_240 }));
    if (!r.ok)
      throw new Error(
        r.issues
          .slice(0, 5)
          .map((i) => `${i.path}: ${i.message}`)
          .join('\n'),
      );
    const { config } = r;
    expect(config.control).toMatchObject({ mode: 'aws', region: 'us-east-1' });
    expect(config.nodes).toHaveLength(256);
    expect(config.vips).toHaveLength(10_240);
    expect(new Set(config.nodes.map((n) => n.aws?.subnetId)).size).toBe(4);
    expect(config.vips.every((v) => v.kind === 'aws-secondary-ip')).toBe(true);
    const byId = new Map(config.nodes.map((n) => [n.id, n]));
    // Every VIP sits in its preferred node's subnet, 2,560 to a subnet, 40 preferring each node.
    expect(config.vips.every((v) => inNodeSubnet(v, byId.get(v.preferred!)!))).toBe(true);
    const perNode = new Map<string, number>();
    for (const v of config.vips) perNode.set(v.preferred!, (perNode.get(v.preferred!) ?? 0) + 1);
    expect(new Set(perNode.values())).toEqual(new Set([40]));
    expect(config.vips.every((v) => v.ip!.text.startsWith('198.18.') || v.ip!.text.startsWith('198.19.'))).toBe(true);
  });

  it('is the same document on every call, and its keys sign what its public keys verify', () => {
    const a = parseConfig(bigClusterConfig({ nodes: 8, vips: 64, mode: 'local' }));
    const b = parseConfig(bigClusterConfig({ nodes: 8, vips: 64, mode: 'local' }));
    if (!a.ok || !b.ok) throw new Error('expected valid documents');
    expect(a.config.control.mode).toBe('local');
    expect(configDigest(a.config)).toBe(configDigest(b.config));
    const node = a.config.nodes[3]!;
    const data = Buffer.from('hello');
    const signature = ed25519Signer(privateKeyFrom(bigClusterPrivateKey(node.id))).sign(data);
    expect(verify(null, data, publicKeyFrom(node.publicKey!), Buffer.from(signature, 'base64'))).toBe(true);
  });

  it('refuses sizes that do not fit the benchmark range, naming the limit', () => {
    expect(() => bigClusterConfig({ nodes: 2, vips: 10, subnets: 4 })).toThrow(/at least one per subnet/);
    expect(() => bigClusterConfig({ nodes: 4, vips: 4 * 4000, subnets: 4 })).toThrow(/do not fit in a \/20/);
  });
});
