import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { keygen } from '../../cli/commands/keygen';
import { answerSigner, keyFromSeed, publicKeyText } from '../../control/answer-key';
import { loadConfig } from '../../core/config';
import { privateKeyFrom } from '../../core/heartbeat';

const dir = mkdtempSync(join(tmpdir(), 'ipferry-keygen-control-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function run(argv: string[], stdin?: string) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  if (stdin !== undefined)
    vi.spyOn(process, 'stdin', 'get').mockReturnValue(
      Readable.from([Buffer.from(stdin)]) as unknown as typeof process.stdin,
    );
  return { code: await keygen.run(argv), out, err };
}

describe('ipferry keygen for the control plane', () => {
  it('--for control writes control.answerKeyFile (0600) and prints the control.answerKey line that matches it', async () => {
    const file = join(dir, 'answer.key');
    const r = await run(['--for', 'control', '--out', file]);
    expect(r.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const answerKey = /^answerKey: ([A-Za-z0-9+/]{43}=)$/.exec(r.out[0]!)![1]!;
    // The pair is what the control plane takes at start, and the line is what the config takes.
    expect(answerSigner(privateKeyFrom(readFileSync(file, 'utf8')), answerKey).alg).toBe('ed25519');
    const config = loadConfig({
      cluster: 'k',
      nodes: [{ id: 'n1', interface: 'eth0' }],
      security: { psk: 'test-psk-0123456789abcdef' },
      control: { mode: 'local', answerKey, answerKeyFile: file },
    });
    expect(config.control.mode === 'local' && config.control.answerKey).toBe(answerKey);
  });

  it('--public-from-seed - prints the answerKey of the AWS secret on stdin; refuses a short one and other arguments', async () => {
    const seed = 'answer-key-seed-0123456789abcdefghijklmnopqrstuvwxyz';
    const r = await run(['--public-from-seed', '-'], `${seed}\n`);
    expect(r).toMatchObject({ code: 0, out: [`answerKey: ${publicKeyText(keyFromSeed(seed))}`] });
    expect(await run(['--public-from-seed', '-'], 'short')).toMatchObject({
      code: 1,
      err: ['ipferry keygen: the answer key secret is 5 characters; at least 32 are needed'],
    });
    expect((await run(['--public-from-seed', 'file.txt'])).code).not.toBe(0);
    expect((await run(['--for', 'witness', '--out', join(dir, 'x.key')])).code).not.toBe(0);
  });
});
