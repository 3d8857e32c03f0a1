import { describe, expect, it } from 'vitest';
import { labPrivilege, noPrivilegeMessage, userNamespaceSysctls } from '../../sim/lab/userns';

describe('the lab without root', () => {
  it('names the sysctls that allow user namespaces, only those this kernel has', () => {
    const values: Record<string, string> = { '/proc/sys/user/max_user_namespaces': '0' };
    expect(userNamespaceSysctls((p) => values[p])).toBe('user.max_user_namespaces=0');
    expect(userNamespaceSysctls(() => undefined)).toBe('');
  });

  it('says in one line what to enable when unshare fails', () => {
    const line = noPrivilegeMessage('unshare: unshare failed: Operation not permitted', 'user.max_user_namespaces=0');
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^the lab needs root or unprivileged user namespaces/);
    expect(line).toContain('unshare failed: Operation not permitted');
    expect(line).toContain('sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=15000');
    expect(line).toContain('(now: user.max_user_namespaces=0)');
  });

  it('runs commands as root of its own user, network and mount namespaces, with /run/netns writable', async () => {
    // Forced down the ordinary user's path even when this runs as root: that path is what it proves.
    const p = await labPrivilege(false);
    try {
      expect(p.kind).toBe('userns');
      const id = await p.run('id', ['-u']);
      expect(id).toMatchObject({ code: 0, stdout: '0\n' });
      expect((await p.run('ip', ['netns', 'add', 'ipfusrtest'])).code).toBe(0);
      const list = await p.run('ip', ['netns', 'list']);
      expect(list.stdout.trim()).toBe('ipfusrtest'); // its own /run: the host's namespaces are not there
      const inner = await p.run('ip', ['netns', 'exec', 'ipfusrtest', 'ip', '-o', 'link', 'show', 'lo']);
      expect(inner.stdout).toContain('lo:');
    } finally {
      await p.close();
    }
    // The holder is gone, and with it the namespaces: entering it again fails, naming why.
    const after = await p.run('id', []);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/^nsenter: /);
  });
});
