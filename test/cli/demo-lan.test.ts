import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { LAN_EXAMPLE_YAML, lanDemo } from '../../cli/demo/lan';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `ipferry demo …` as its own process, killed if it outlives `timeoutMs`. */
function ipferry(
  args: string[],
  opts: { uid?: number; timeoutMs: number },
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGINT'), opts.timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr });
    }),
  );
}

describe('ipferry demo --lan', () => {
  it('embeds examples/lan/ipferry.yaml as it is', () => {
    expect(LAN_EXAMPLE_YAML).toBe(
      readFileSync(fileURLToPath(new URL('../../examples/lan/ipferry.yaml', import.meta.url)), 'utf8'),
    );
  });

  it('without root: says why and what to run instead, exit code 2, touches nothing', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const printed: string[] = [];
    try {
      expect(await lanDemo({ json: false, print: (l) => printed.push(l), isRoot: () => false })).toBe(2);
      expect(errors.mock.calls.flat().join('\n')).toMatch(/needs root: it builds a LAN of network namespaces/);
      expect(printed).toEqual([]);
    } finally {
      errors.mockRestore();
    }
    // And as a real unprivileged process.
    const r = await ipferry(['demo', '--lan'], { uid: 65534, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ipferry demo --lan needs root/);
  }, 40_000);

  it('as root: fails over after a kill -9 and goes home on return, one responder at a time, then destroys the lab', async () => {
    const r = await ipferry(['demo', '--lan', '--json'], { timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            event: string;
            from: string;
            to: string;
            outage_ms: number;
            responders: number;
            lab: string;
          },
      );
    expect(lines.map((l) => l.event)).toEqual(['crash', 'return']);
    const [crash, back] = lines as [(typeof lines)[0], (typeof lines)[0]];
    expect(crash.from).toBe('h1');
    expect(['h2', 'h3']).toContain(crash.to);
    expect(crash.outage_ms).toBeGreaterThan(0);
    expect(crash.outage_ms).toBeLessThan(3000);
    expect(crash.responders).toBe(1);
    expect(back).toMatchObject({ from: crash.to, to: 'h1', responders: 1 });
    expect(back.outage_ms).toBeLessThan(1000);
    // Nothing of the lab is left behind.
    const left = await new Promise<string>((resolve) => {
      const ls = spawn('ip', ['netns', 'list']);
      let out = '';
      ls.stdout.on('data', (d: Buffer) => (out += d.toString()));
      ls.once('close', () => resolve(out));
    });
    expect(crash.lab).toMatch(/^ipf[a-z0-9]{4}$/);
    expect(left).not.toContain(crash.lab);
  }, 160_000);
});
