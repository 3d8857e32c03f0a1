import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configDigest } from '../../../core/config';
import {
  ed25519Signer,
  generateNodeKey,
  heartbeatVerifier,
  hmacSigner,
  privateKeyFrom,
  publicKeyFrom,
  sealHeartbeat,
  type HeartbeatInput,
  type ReplayGuard,
} from '../../../core/heartbeat';
import { config } from '../../helpers/configs';

const NOW = 1_800_000_000_000;
const k1 = generateNodeKey();
const k2 = generateNodeKey();
const edConfig = config({
  cluster: 'mail',
  nodes: [
    { id: 'n1', interface: 'eth0', publicKey: k1.publicKey },
    { id: 'n2', interface: 'eth0', publicKey: k2.publicKey },
  ],
  vips: [{ name: 'v', address: '198.18.0.50/24' }],
});
const pskConfig = config({
  ...JSON.parse(JSON.stringify({ cluster: 'mail', nodes: [{ id: 'n1', interface: 'eth0' }] })),
  security: { psk: 'lab-secret-0123456789' },
});

function hb(over: Partial<HeartbeatInput> = {}): HeartbeatInput {
  return {
    v: 1,
    cluster: 'mail',
    node: 'n1',
    bootId: 'boot-aaaaaaaa',
    seq: 5,
    sentAt: NOW,
    checks: { smtp: { ok: true } },
    held: ['v'],
    configDigest: configDigest(edConfig),
    ...over,
  };
}

const n1 = ed25519Signer(privateKeyFrom(k1.privateKeyPem));
const n2 = ed25519Signer(privateKeyFrom(k2.privateKeyPem));
const verifier = heartbeatVerifier(edConfig);
const none = () => undefined;

describe('heartbeat verification', () => {
  it('accepts a well-signed Ed25519 heartbeat and returns the replay guard', () => {
    const v = verifier.verify(sealHeartbeat(hb(), n1), NOW, none);
    expect(v).toMatchObject({
      ok: true,
      heartbeat: { node: 'n1', seq: 5, leaving: false, applied: {} },
      guard: { bootId: 'boot-aaaaaaaa', seq: 5, sentAt: NOW },
    });
  });

  it('accepts an HMAC-SHA256 heartbeat with the pre-shared key', () => {
    const v = heartbeatVerifier(pskConfig).verify(sealHeartbeat(hb(), hmacSigner('lab-secret-0123456789')), NOW, none);
    expect(v.ok).toBe(true);
  });

  const guard: ReplayGuard = { bootId: 'boot-aaaaaaaa', seq: 5, sentAt: NOW - 1000 };
  it.each<[string, () => string | Buffer, number, ReplayGuard | undefined, string]>([
    [
      'too large',
      () => sealHeartbeat(hb({ held: Array.from({ length: 3000 }, (_, i) => `vip${i}`) }), n1),
      NOW,
      undefined,
      'too-large',
    ],
    ['not JSON', () => 'hello', NOW, undefined, 'malformed'],
    ['not an envelope', () => JSON.stringify({ hb: hb() }), NOW, undefined, 'malformed'],
    [
      'signed with the other scheme',
      () => sealHeartbeat(hb(), hmacSigner('lab-secret-0123456789')),
      NOW,
      undefined,
      'wrong-algorithm',
    ],
    ['from a node not in the config', () => sealHeartbeat(hb({ node: 'n9' }), n1), NOW, undefined, 'unknown-node'],
    ['forged: n2 signs as n1', () => sealHeartbeat(hb(), n2), NOW, undefined, 'bad-signature'],
    [
      'tampered after signing',
      () => sealHeartbeat(hb(), n1).replace('\\"ok\\":true', '\\"ok\\":false'),
      NOW,
      undefined,
      'bad-signature',
    ],
    ['signed but malformed', () => sealHeartbeat({ ...hb(), seq: -1 }, n1), NOW, undefined, 'malformed'],
    ['for another cluster', () => sealHeartbeat(hb({ cluster: 'other' }), n1), NOW, undefined, 'wrong-cluster'],
    ['older than the window', () => sealHeartbeat(hb({ sentAt: NOW - 61_000 }), n1), NOW, undefined, 'stale'],
    ['from the future', () => sealHeartbeat(hb({ sentAt: NOW + 61_000 }), n1), NOW, undefined, 'future'],
    ['a replay of the same seq', () => sealHeartbeat(hb({ seq: 5 }), n1), NOW, guard, 'replayed'],
    ['a step back in seq', () => sealHeartbeat(hb({ seq: 4 }), n1), NOW, guard, 'replayed'],
    [
      'an old boot replayed after a restart',
      () => sealHeartbeat(hb({ bootId: 'boot-old00000', seq: 900, sentAt: NOW - 2000 }), n1),
      NOW,
      guard,
      'replayed',
    ],
  ])('refuses a heartbeat %s', (_, body, now, last, reason) => {
    const v = verifier.verify(body(), now, () => last);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.reason).toBe(reason);
      expect(v.message.length).toBeGreaterThan(0);
    }
  });

  it('accepts the next seq and a genuinely new boot', () => {
    expect(verifier.verify(sealHeartbeat(hb({ seq: 6 }), n1), NOW, () => guard).ok).toBe(true);
    expect(verifier.verify(sealHeartbeat(hb({ bootId: 'boot-bbbbbbbb', seq: 0 }), n1), NOW, () => guard).ok).toBe(true);
  });

  it('names the bad field of a signed but malformed heartbeat', () => {
    const v = verifier.verify(sealHeartbeat({ ...hb(), held: 'v' as unknown as string[] }, n1), NOW, none);
    expect(v).toMatchObject({ ok: false, reason: 'malformed', message: expect.stringMatching(/^held: /) });
  });

  it('accepts keys given as PEM too', () => {
    const spki = publicKeyFrom(k1.publicKey).export({ format: 'pem', type: 'spki' }).toString();
    const cfg = config({ cluster: 'mail', nodes: [{ id: 'n1', interface: 'eth0', publicKey: spki }] });
    expect(
      heartbeatVerifier(cfg).verify(sealHeartbeat(hb({ configDigest: configDigest(cfg) }), n1), NOW, none).ok,
    ).toBe(true);
  });
});

describe('heartbeat verification of a node repeating itself', () => {
  // The verifier reuses the schema's verdict on a node's last heartbeat when only seq and sentAt
  // changed; every verdict must still be the one a verifier without that memory gives.
  const field = <T>(...values: T[]) => fc.constantFrom(...values);
  // Each step sends the next heartbeat: new seq and sentAt (valid or not), and half the time one
  // other field changed (to a valid value or not), as a node's heartbeats change.
  const step = fc.record({
    seq: fc.oneof(
      fc.integer({ min: 0, max: 1000 }),
      field<unknown>(-1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, '7'),
    ),
    sentAt: fc.oneof(fc.integer({ min: NOW - 2000, max: NOW + 2000 }), field<unknown>(0, -5, NOW + 0.5, null)),
    change: fc.option(
      fc.oneof(
        fc.record({ key: fc.constant('held'), value: field<unknown>(['v'], [], ['v', 'w'], [7], 'v') }),
        fc.record({
          key: fc.constant('checks'),
          value: field<unknown>(
            { smtp: { ok: true } },
            { smtp: { ok: false, detail: 'refused' } },
            { smtp: { ok: 'yes' } },
            {},
          ),
        }),
        fc.record({
          key: field('leaving', 'surprise', 'applied'),
          value: field<unknown>(true, 1, { v: 3 }, { v: -3 }, undefined),
        }),
      ),
      { freq: 2 },
    ),
  });

  it('gives the verdict a fresh verifier gives, heartbeat after heartbeat', () => {
    let repeats = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        const remembering = heartbeatVerifier(edConfig);
        const fields: Record<string, unknown> = { ...hb() };
        for (const { seq, sentAt, change } of steps) {
          if (change) fields[change.key] = change.value;
          else repeats++;
          const sealed = sealHeartbeat({ ...fields, seq, sentAt } as HeartbeatInput, n1);
          expect(remembering.verify(sealed, NOW, none)).toEqual(heartbeatVerifier(edConfig).verify(sealed, NOW, none));
        }
      }),
      { numRuns: 300 },
    );
    expect(repeats).toBeGreaterThan(300); // the memory was used, not only filled
  });

  it('carries the seq and sentAt of each heartbeat, not those of the last one', () => {
    const remembering = heartbeatVerifier(edConfig);
    const first = remembering.verify(sealHeartbeat(hb({ seq: 5, sentAt: NOW - 10 }), n1), NOW, none);
    const second = remembering.verify(sealHeartbeat(hb({ seq: 6, sentAt: NOW }), n1), NOW, none);
    expect(first).toMatchObject({ ok: true, heartbeat: { seq: 5, sentAt: NOW - 10 } });
    expect(second).toMatchObject({ ok: true, heartbeat: { seq: 6, sentAt: NOW }, guard: { seq: 6, sentAt: NOW } });
    const invalid = remembering.verify(sealHeartbeat(hb({ seq: -1 }), n1), NOW, none);
    expect(invalid).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
