import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The watcher is an ipferry subcommand (issue 16), not a script path the operator must find.
describe('ipferry legacy-watch', () => {
  it('runs the watcher and refuses bad arguments with the reason (exit 2)', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', 'legacy-watch', 'watch', '--iface', 'eth0', '--state', '/nonexistent/x'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('legacy-watch: watch: --iface and --vrid are required');
    const wrong = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'legacy-watch', 'listen'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/expected "watch", got "listen"/);
  });
});
