import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { emulatorsFor, sessionConfig } from '../../cli/up/session-config';
import { loadConfig } from '../../core/config';
import { generateNodeKey } from '../../core/heartbeat';

const root = new URL('../../examples/', import.meta.url);
const files = [
  'aws/ipferry.yaml',
  'hetzner/ipferry.yaml',
  'lan/ipferry.yaml',
  ...readdirSync(new URL('seeds/', root))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `seeds/${f}`),
];

function session(file: string, keepChecks = false) {
  const text = readFileSync(new URL(file, root), 'utf8');
  const config = loadConfig(text);
  const publicKeys = Object.fromEntries(config.nodes.map((n) => [n.id, generateNodeKey().publicKey]));
  const s = sessionConfig(parse(text) as Record<string, unknown>, config, {
    controlPort: 40001,
    witnessPort: 40002,
    loopbackPrefix: '127.123.4',
    publicKeys,
    pskFile: '/session/psk',
    keepChecks,
  });
  return { config, publicKeys, s, out: loadConfig(stringify(s.doc)) };
}

describe('ipferry up: the session config', () => {
  it.each(files)('%s runs as a local control plane on loopback with the session keys', (file) => {
    const { config, publicKeys, out } = session(file);
    expect(out.control).toMatchObject({ mode: 'local', listen: '127.0.0.1:40001', witness: { port: 40002 } });
    expect(out.nodes.map((n) => n.addresses[0])).toEqual(config.nodes.map((_, i) => `127.123.4.${10 + i}`));
    expect(out.nodes.map((n) => n.addresses.slice(1))).toEqual(config.nodes.map((n) => n.addresses));
    if (config.security.signing === 'ed25519')
      expect(out.nodes.map((n) => n.publicKey)).toEqual(config.nodes.map((n) => publicKeys[n.id]));
    else expect(out.security).toMatchObject({ signing: 'hmac-sha256', pskFile: '/session/psk' });
    expect(out.security.psk).toBeUndefined();
    expect(out.security.pskEnv).toBeUndefined();
    expect(out.vips.map((v) => [v.name, v.kind, v.address])).toEqual(
      config.vips.map((v) => [v.name, v.kind, v.address]),
    );
    expect(out.vips.every((v) => v.hooks === undefined)).toBe(true);
    for (const c of Object.values(out.checks)) expect(c).toMatchObject({ kind: 'exec', command: ['true'] });
  });

  it('starts the emulators each example needs, and says what it changed', () => {
    expect(emulatorsFor(session('aws/ipferry.yaml').out)).toEqual(['ec2', 'route53']);
    expect(emulatorsFor(session('hetzner/ipferry.yaml').out)).toEqual(['hetzner', 'robot']);
    expect(emulatorsFor(session('lan/ipferry.yaml').out)).toEqual([]);
    expect(session('lan/ipferry.yaml').s.notes.join('\n')).toContain('peer mode needs a network per node');
    expect(session('aws/ipferry.yaml').s.notes.join('\n')).toContain(
      'control.mode aws runs here as a local control plane',
    );
  });

  it('keeps the checks with --checks as-is', () => {
    const { config, out } = session('aws/ipferry.yaml', true);
    expect(out.checks).toEqual(config.checks);
  });

  it('refuses a loopback prefix that is not 127.a.b', () => {
    const text = readFileSync(new URL('lan/ipferry.yaml', root), 'utf8');
    expect(() =>
      sessionConfig(parse(text) as Record<string, unknown>, loadConfig(text), {
        controlPort: 1,
        witnessPort: 2,
        loopbackPrefix: '10.0.0',
        pskFile: '/p',
        keepChecks: false,
      }),
    ).toThrow(/not 127\.a\.b/);
  });
});
