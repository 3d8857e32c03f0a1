import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../adapters/file-store';
import { StoreError } from '../../core/ports';
import { memoryLog } from '../../lib/log';
import { assignment, record, storeContract } from './store-contract';

let dir: string;
let n = 0;
const fresh = () => join(dir, `state-${++n}.json`);
const open = (path: string, log = memoryLog()) => FileStore.open({ path, log });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-file-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

storeContract('FileStore (a real file, fsync and rename)', async () => {
  const store = await open(fresh());
  return { store, close: () => store.close() };
});

/** What a refused open threw, or a failure when it opened. */
async function refusal(p: Promise<FileStore>): Promise<StoreError> {
  const err = await p.then(
    async (s) => {
      await s.close();
      return new Error('opened');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe('FileStore: what survives a restart, and what it refuses', () => {
  it('drains, pins, assignments with their version, events and records are read back after a reopen; the lease is not', async () => {
    const path = fresh();
    const s1 = await open(path);
    const pinned = { ...assignment('smtp', 'b', 3), pinned: { reason: 'maintenance of a', by: 'ops' } };
    await s1.commit('mail', {
      expectedVersion: 0,
      assignments: [pinned, assignment('imap', 'a')],
      changed: ['smtp', 'imap'],
    });
    await s1.setDraining('mail', 'a', true, 1);
    await s1.acquireLease('mail', { owner: 'crashed-mid-tick', ttlMs: 60_000, now: Date.now() });
    await s1.putHeartbeat('mail', 'a', record('a', { seq: 7 }));
    await s1.appendEvents('mail', [
      { id: '000000000000001#drain#a', at: 1, kind: 'drain', detail: 'a drained by ops' },
    ]);
    await s1.close();

    const s2 = await open(path);
    const g = await s2.loadGroup('mail');
    expect(g.version).toBe(1);
    expect(g.assignments.find((a) => a.vip === 'smtp')).toEqual(pinned);
    expect([...g.draining]).toEqual(['a']);
    expect(g.nodes.get('a')).toEqual(record('a', { seq: 7 }));
    expect((await s2.putHeartbeat('mail', 'a', record('a', { seq: 7 }))).ok).toBe(false);
    expect((await s2.listEvents('mail')).events.map((e) => e.kind)).toEqual(['drain']);
    // The lease was the old process's: the new one ticks at once, not after its TTL.
    expect((await s2.acquireLease('mail', { owner: 'restarted', ttlMs: 5000, now: Date.now() })).ok).toBe(true);
    expect(await s2.commit('mail', { expectedVersion: 0, assignments: [], changed: ['smtp'] })).toEqual({
      ok: false,
      reason: 'conflict',
      currentVersion: 1,
    });
    await s2.close();
  });

  it('a second writer on the same file is refused while the first holds it, and may open once it closed', async () => {
    const path = fresh();
    const first = await open(path);
    const err = await refusal(open(path));
    expect(err.reason).toBe('conflict');
    expect(err.message).toContain(`pid ${process.pid}`);
    expect(err.message).toContain('one control plane writes a state file');
    await first.close();
    const second = await open(path);
    await second.close();
  });

  it('a lock left by a process that is gone is taken over, with a warning', async () => {
    const path = fresh();
    const host = (await import('node:os')).hostname();
    await writeFile(`${path}.lock`, JSON.stringify({ pid: 2_147_483_646, host, since: 0 }));
    const log = memoryLog();
    const s = await open(path, log);
    expect(log.entries.some((e) => e.level === 'warn' && e.msg.includes('no longer running'))).toBe(true);
    await s.close();
    expect(await readdir(dir)).not.toContain(`${path.split('/').pop()}.lock`);
  });

  it('a lock that names no owner is refused, not taken over', async () => {
    const path = fresh();
    await writeFile(`${path}.lock`, 'garbage');
    expect((await refusal(open(path))).message).toContain('does not name its owner');
    expect(await readFile(`${path}.lock`, 'utf8')).toBe('garbage');
  });

  it('a corrupt or hostile file is refused with the reason, and left as it was', async () => {
    const cases: Array<[string, string]> = [
      ['{"format": "ipferry-file-store", "formatVer', 'not a state file'],
      ['{"format":"ipferry-file-store","formatVersion":1,"groups":[],"__proto__":{"x":1}}', 'the key "__proto__"'],
      ['{"format":"something-else","formatVersion":1,"groups":[]}', 'format'],
      [
        JSON.stringify({
          format: 'ipferry-file-store',
          formatVersion: 1,
          groups: [{ group: 'mail', version: -1, assignments: [], nodes: [], draining: [], events: [] }],
        }),
        'groups.0.version',
      ],
      [
        JSON.stringify({
          format: 'ipferry-file-store',
          formatVersion: 1,
          groups: [{ group: 'mail', version: 1, assignments: [{ vip: 'x' }], nodes: [], draining: [], events: [] }],
        }),
        'groups.0.assignments.0',
      ],
    ];
    for (const [text, reason] of cases) {
      const path = fresh();
      await writeFile(path, text);
      const err = await refusal(open(path));
      expect(err.reason).toBe('invalid');
      expect(err.message).toContain(path);
      expect(err.message).toContain(reason);
      expect(err.message).toContain('never resets one');
      expect(await readFile(path, 'utf8')).toBe(text);
      // The refused open gave its lock back: a fixed file opens.
      await rm(path);
      await (await open(path)).close();
    }
  });

  it('a failed write fails the change it carried, logs it, and the next write carries it', async () => {
    const path = fresh();
    const log = memoryLog();
    const s = await open(path, log);
    // A directory where the temp file goes: the write cannot replace it.
    await mkdir(`${path}.tmp`);
    const err = await s.setDraining('mail', 'a', true, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).reason).toBe('transient');
    expect(log.entries.some((e) => e.level === 'error' && e.msg === 'file store write failed')).toBe(true);
    await rm(`${path}.tmp`, { recursive: true });
    await s.setDraining('mail', 'b', true, 2);
    await s.close();
    const again = await open(path);
    expect([...(await again.loadGroup('mail')).draining].sort()).toEqual(['a', 'b']);
    await again.close();
  });

  it('a leftover temp file is replaced and a symlink planted there is not followed', async () => {
    const path = fresh();
    const target = join(dir, `target-${n}`);
    await writeFile(target, 'untouched');
    await symlink(target, `${path}.tmp`);
    const s = await open(path);
    await s.setDraining('mail', 'a', true, 1);
    await s.close();
    expect(await readFile(target, 'utf8')).toBe('untouched');
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ format: 'ipferry-file-store', formatVersion: 1 });
  });

  it('a closed store refuses calls', async () => {
    const s = await open(fresh());
    await s.close();
    await expect(s.loadGroup('mail')).rejects.toThrow('closed');
  });
});
