import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { validate } from '../../cli/commands/validate';
import { stringify } from 'yaml';
import { generateNodeKey } from '../../core/heartbeat';
import { spawnIpferry } from '../helpers/agent-process';

// Issue 17, finding 9: `ipferry validate` did not read the pskFile it names (the agent found out
// at start), and nobody warned about a key or PSK file others could read.
const dir = mkdtempSync(join(tmpdir(), 'ipferry-secrets-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

let n = 0;
function config(pskFile: string): string {
  const path = join(dir, `ipferry-${n++}.yaml`);
  writeFileSync(
    path,
    `cluster: pair\ncontrol: { mode: peer, quorum: none }\nsecurity: { pskFile: ${JSON.stringify(pskFile)} }\nnodes:\n  - { id: a, interface: eth1, addresses: [198.18.0.75] }\n  - { id: b, interface: eth1, addresses: [198.18.0.76] }\nvips:\n  - { name: v, address: 198.18.0.74/20 }\n`,
    { mode: 0o644 },
  );
  return path;
}

function secret(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const code = await validate.run(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

const goodPsk = secret('good.psk', 'a-long-random-pre-shared-secret\n');

describe('security: ipferry validate reads the files the config names', () => {
  it('a pskFile that is missing, a directory, empty or too short is an error naming the path and why', async () => {
    const missing = join(dir, 'missing.psk');
    const folder = join(dir, 'psk.d');
    mkdirSync(folder);
    const cases: Array<[string, string]> = [
      [missing, 'no such file'],
      [folder, 'is a directory, expected a file'],
      [secret('empty.psk', '\n'), 'is empty, expected a pre-shared key'],
      [secret('short.psk', 'hunter2\n'), 'holds 7 characters, a pre-shared key needs at least 16'],
    ];
    for (const [path, why] of cases) {
      const r = await run([config(path)]);
      expect(r.code, path).toBe(1);
      expect(r.err, path).toContain(`  security.pskFile ${path}: ${why}`);
    }
    expect((await run([config(goodPsk)])).code).toBe(0);
  });

  it('a pskFile this user cannot read is an error (validate run as nobody, the file root 0600)', () => {
    const cfg = config(goodPsk);
    const r = spawnSync(
      '/usr/bin/setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--',
        process.execPath,
        '--import',
        'tsx',
        'cli/main.ts',
        'validate',
        cfg,
      ],
      { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`security.pskFile ${goodPsk}: cannot be read by this user (EACCES: permission denied)`);
  });

  it('a key or PSK readable by group or others is a warning; the config is still valid', async () => {
    const open = secret('open.psk', 'a-long-random-pre-shared-secret\n', 0o644);
    const r = await run([config(open)]);
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      `  warning: security.pskFile ${open}: is readable or writable by group or others (mode 0644): chmod 600 it`,
    );
    const json = await run([config(open), '--json']);
    expect(JSON.parse(json.out[0]!)).toMatchObject({ ok: true, warnings: [{ path: 'security.pskFile', file: open }] });
    expect((await run([config(goodPsk)])).err).toEqual([]);
  });

  it('--key: a private key file that is missing, a directory, not an Ed25519 PEM or open to others is named with the reason', async () => {
    const cfg = config(goodPsk);
    const key = secret('node.key', generateNodeKey().privateKeyPem);
    expect(await run([cfg, '--key', key])).toMatchObject({ code: 0, err: [] });
    const cases: Array<[string, string]> = [
      [join(dir, 'nokey'), 'no such file'],
      [dir, 'is a directory, expected a file'],
      [
        secret('bad.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
        'is not an Ed25519 private key in PEM',
      ],
      [secret('short.key', ''), 'is empty, expected an Ed25519 private key (PEM)'],
    ];
    for (const [path, why] of cases) {
      const r = await run([cfg, '--key', path]);
      expect(r.code, path).toBe(1);
      expect(r.err.join('\n'), path).toContain(`  --key ${path}: ${why}`);
    }
    const open = secret('open.key', generateNodeKey().privateKeyPem, 0o640);
    expect((await run([cfg, '--key', open])).err).toContain(
      `  warning: --key ${open}: is readable or writable by group or others (mode 0640): chmod 600 it`,
    );
  });

  it('a path with terminal escapes is printed escaped', async () => {
    const evil = join(dir, 'x\u001b[2Jy.psk');
    const r = await run([config(evil)]);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).not.toContain('\u001b');
  });
});

describe('security: the agent says so at start', () => {
  it('logs a warning naming a PSK file open to others, before anything else can stop it', async () => {
    const open = secret('agent-open.psk', 'a-long-random-pre-shared-secret\n', 0o644);
    const cfg = join(dir, 'agent.yaml');
    // A node this host is not (EC2 identity against an unreachable IMDS): the agent stops right after the warning.
    writeFileSync(
      cfg,
      stringify({
        cluster: 'e2e',
        control: { mode: 'local', liveness: 'direct', url: 'http://127.0.0.1:9' },
        security: { pskFile: open },
        nodes: [
          {
            id: 'a',
            interface: 'eth0',
            aws: { instanceId: 'i-0bbbbbbbbbbbbbbbb', eni: 'eni-0aaa1111bbbb2222c', subnetCidr: '10.0.1.0/24' },
          },
        ],
        vips: [{ name: 'sec', kind: 'aws-secondary-ip', address: '10.0.1.50/24' }],
      }),
    );
    const p = spawnIpferry(
      ['agent', '--config', cfg, '--node', 'a', '--hostnet', 'recording', '--metrics', '127.0.0.1:0'],
      { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' },
    );
    await p.exited(30_000);
    const warned = p.logs.find((l) => l.level === 40 && l.field === 'security.pskFile');
    expect(warned, p.stderr()).toMatchObject({
      path: open,
      msg: `security.pskFile ${open} is readable or writable by group or others (mode 0644): chmod 600 it`,
    });
  }, 40_000);
});
