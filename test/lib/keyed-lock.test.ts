import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../lib/keyed-lock';

describe('KeyedLock', () => {
  it('runs tasks of one key in order and other keys alongside, even after a failure', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${name}-`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      lock.run('v', task('a', 20, true)),
      lock.run('v', task('b', 1)),
      lock.run('w', task('c', 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('a-')).toBeLessThan(log.indexOf('b+'));
    expect(log.indexOf('c-')).toBeLessThan(log.indexOf('a-'));
  });
});
