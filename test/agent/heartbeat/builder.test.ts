import { describe, expect, it } from 'vitest';
import { configDigest } from '../../../core/config';
import { ed25519Signer, generateNodeKey, heartbeatVerifier, hmacSigner, privateKeyFrom } from '../../../core/heartbeat';
import { backoffDelay, HeartbeatBuilder, type HeartbeatSources } from '../../../agent/heartbeat';
import type { HookFailure } from '../../../agent/hooks';
import { config, lan } from '../../helpers/configs';

const NOW = 1_700_000_000_000;

function sources(over: Partial<HeartbeatSources> = {}): HeartbeatSources {
  return {
    checks: () => ({ smtp: { ok: true, detail: 'banner ok' }, long: { ok: false, detail: 'x'.repeat(500) } }),
    held: () => ['v1'],
    applied: () => ({ v1: 4 }),
    takeHookFailures: () => [],
    ...over,
  };
}

describe('HeartbeatBuilder', () => {
  it("seals an HMAC heartbeat that core's verifier accepts, seq +1 each time within one boot", () => {
    const cluster = lan({
      nodes: 2,
      vips: [{ name: 'v1' }],
      checks: { smtp: { kind: 'tcp', target: '127.0.0.1:25' }, long: { kind: 'tcp', target: '127.0.0.1:26' } },
    });
    const failures: HookFailure[] = [{ vip: 'v1', hook: 'up', error: 'exit code 1', at: NOW - 5 }];
    const b = new HeartbeatBuilder({
      cluster: 'test',
      node: 'n1',
      configDigest: configDigest(cluster),
      signer: hmacSigner('test-psk-0123456789abcdef'),
      now: () => NOW,
      sources: sources({ takeHookFailures: () => failures.splice(0) }),
    });
    expect(b.bootId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const verifier = heartbeatVerifier(cluster);
    const first = verifier.verify(b.build().envelope, NOW, () => undefined);
    expect(first).toMatchObject({
      ok: true,
      heartbeat: {
        v: 1,
        cluster: 'test',
        node: 'n1',
        bootId: b.bootId,
        seq: 1,
        sentAt: NOW,
        held: ['v1'],
        applied: { v1: 4 },
        leaving: false,
        configDigest: configDigest(cluster),
        hookFailures: [{ vip: 'v1', hook: 'up', error: 'exit code 1', at: NOW - 5 }],
        checks: { smtp: { ok: true, detail: 'banner ok' }, long: { ok: false, detail: 'x'.repeat(300) } },
      },
    });
    const guard = first.ok ? first.guard : undefined;
    const second = b.build(true);
    expect(second.seq).toBe(2);
    expect(verifier.verify(second.envelope, NOW, () => guard)).toMatchObject({
      ok: true,
      heartbeat: { seq: 2, leaving: true, hookFailures: [] },
    });
  });

  it("signs with the node's Ed25519 key, verified against the public key in the config", () => {
    const key = generateNodeKey();
    const cluster = config({ cluster: 'keys', nodes: [{ id: 'a', interface: 'eth0', publicKey: key.publicKey }] });
    const b = new HeartbeatBuilder({
      cluster: 'keys',
      node: 'a',
      configDigest: configDigest(cluster),
      signer: ed25519Signer(privateKeyFrom(key.privateKeyPem)),
      now: () => NOW,
      sources: sources({ held: () => [], applied: () => ({}) }),
    });
    const built = b.build();
    expect(JSON.parse(built.envelope).alg).toBe('ed25519');
    expect(heartbeatVerifier(cluster).verify(built.envelope, NOW, () => undefined)).toMatchObject({ ok: true });
    const other = generateNodeKey();
    const forged = new HeartbeatBuilder({
      cluster: 'keys',
      node: 'a',
      configDigest: configDigest(cluster),
      signer: ed25519Signer(privateKeyFrom(other.privateKeyPem)),
      now: () => NOW,
      sources: sources({ held: () => [], applied: () => ({}) }),
    });
    expect(heartbeatVerifier(cluster).verify(forged.build().envelope, NOW, () => undefined)).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });
});

describe('backoffDelay', () => {
  const o = { intervalMs: 1000, maxMs: 8000 };
  it.each([
    [0, 1, 1000],
    [1, 1, 1000],
    [2, 1, 2000],
    [3, 1, 4000],
    [4, 1, 8000],
    [9, 1, 8000],
    [3, 0, 2000],
    [200, 0.5, 6000],
  ])('after %i failures with random %d: %i ms', (failures, random, expected) => {
    expect(backoffDelay(failures, { ...o, random: () => random })).toBe(expected);
  });
});
