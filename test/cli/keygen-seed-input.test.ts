import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keygen } from '../../cli/commands/keygen';

afterEach(() => vi.restoreAllMocks());

async function fromSeed(stdin: string) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process, 'stdin', 'get').mockReturnValue(
    Readable.from([Buffer.from(stdin)]) as unknown as typeof process.stdin,
  );
  return { code: await keygen.run(['--public-from-seed', '-']), out, err };
}

/** What reaches `ipferry keygen --public-from-seed -` when the aws command before the pipe goes wrong. */
describe('ipferry keygen --public-from-seed - on wrong input', () => {
  it('nothing on stdin (the aws command failed): says so and what to check, prints no answerKey', async () => {
    expect(await fromSeed('\n')).toEqual({
      code: 1,
      out: [],
      err: [
        'ipferry keygen: nothing on stdin: did aws secretsmanager get-secret-value fail (region, credentials, secret id)?',
      ],
    });
  });

  it('more than Secrets Manager can hold (the whole JSON of a describe, a file): refused, nothing printed', async () => {
    expect(await fromSeed('x'.repeat(70_000))).toEqual({
      code: 1,
      out: [],
      err: [
        "ipferry keygen: more than 65536 bytes on stdin: expected the secret's text (--query SecretString --output text)",
      ],
    });
  });
});
