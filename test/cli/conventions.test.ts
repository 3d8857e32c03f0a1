import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands } from '../../cli/commands';
import { dispatch } from '../../cli/run-cli';

const PROGRAM = { name: 'ipferry', title: 'keeps virtual IP addresses alive' };
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const code = await dispatch(PROGRAM, commands, argv);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

afterEach(() => vi.restoreAllMocks());

describe('ipferry keeps the CLI conventions', () => {
  it('--version prints the package version', async () => {
    expect(await run('--version')).toEqual({ code: 0, out: `ipferry ${VERSION}`, err: '' });
    expect((await run('--version', 'extra')).code).toBe(2);
  });

  it("help CMD prints that command's help, not the list of commands", async () => {
    const r = await run('help', 'validate');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^usage: ipferry validate FILE/);
    expect(r.out).not.toContain('demo');
    expect((await run('help', 'events')).out).toMatch(/^usage: ipferry events .*\n[\s\S]*--limit N/);
    expect((await run('help')).out).toMatch(/usage: ipferry <command>[\s\S]*validate +check a config file/);
  });

  it('help for a command that does not exist says so, prefixed and with the usage line', async () => {
    const r = await run('help', 'nosuch');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ipferry: no command "nosuch"\nusage: ipferry <command>/);
  });

  it("an unknown flag is named in our words, with the command's usage line, not parseArgs' text", async () => {
    const r = await run('validate', 'x.yaml', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'ipferry: unknown option --bogus\nusage: ipferry validate FILE [--key KEYFILE]... [--json]\n(run "ipferry help validate" for every option)',
    );
    const missing = await run('status', '--url');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^ipferry: --url needs a value\nusage: ipferry status /);
    expect((await run('schema', '--help=yes')).err).toMatch(/^ipferry: --help takes no value\n/);
  });

  it('extra positional arguments are refused', async () => {
    for (const argv of [
      ['status', 'extra'],
      ['schema', 'x'],
      ['demo', 'now'],
      ['validate', 'a.yaml', 'b.yaml'],
      ['agent', 'status', 'x'],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(/^ipferry: unexpected argument "[a-z.]+"/);
      expect(r.out).toBe('');
    }
    expect((await run('drain')).err).toMatch(
      /^ipferry: missing argument: expected 1, got 0\nusage: ipferry drain NODE/,
    );
  });

  it('an unknown command or a flag before the command is refused with exit code 2', async () => {
    expect(await run('frobnicate')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^ipferry: unknown command "frobnicate"\n/),
    });
    expect(await run('--json')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^ipferry: unknown option --json \(options follow the command\)/),
    });
  });

  it('other usage problems keep the prefix and the usage line too', async () => {
    const r = await run('events', '--url', 'http://127.0.0.1:1', '--limit', 'lots');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ipferry: --limit must be a number from 1 to 1000, not "lots"\nusage: ipferry events /);
  });
});
