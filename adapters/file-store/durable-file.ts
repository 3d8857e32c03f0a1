import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { StoreError } from '../../core/ports';

/**
 * The two file-system moves the file store needs, and nothing else: a write that a crash leaves
 * either whole-old or whole-new (temp file, fsync, rename, fsync of the directory), and a lock
 * file that keeps a second writer off the same state.
 */

/** Replaces `path` with `text` so that a crash at any point leaves the old file or the new one, whole. */
export async function writeDurably(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  // A leftover temp file (a crash mid-write) or anything planted there goes first: 'wx' never
  // follows a symlink, so the state is only ever written into a file this process created.
  await rm(tmp, { force: true });
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The file's text, or undefined when it does not exist yet; refuses anything over `maxBytes`. */
export async function readIfPresent(path: string, maxBytes: number): Promise<string | undefined> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new StoreError('invalid', `${path} is not a regular file`);
    size = s.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (size > maxBytes)
    throw new StoreError('invalid', `${path} is ${size} bytes, over the ${maxBytes} a state file may have`);
  return readFile(path, 'utf8');
}

interface LockOwner {
  pid: number;
  host: string;
  since: number;
}

export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * Takes `<path>.lock` (created exclusively, holding pid, host and time). A lock whose process
 * still runs on this host refuses with its owner; one left by a process that is gone (a crash,
 * a SIGKILL) is taken over with a warning, since nobody else can write the state then.
 */
export async function takeLock(path: string, now: number, warn: (msg: string) => void): Promise<FileLock> {
  const lockPath = `${path}.lock`;
  const mine: LockOwner = { pid: process.pid, host: hostname(), since: now };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(lockPath, 'wx', 0o600);
      try {
        await file.writeFile(JSON.stringify(mine), 'utf8');
        await file.sync();
      } finally {
        await file.close();
      }
      return { path: lockPath, release: () => releaseLock(lockPath, mine) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw new StoreError('invalid', `cannot create ${lockPath}: the directory ${dirname(path)} does not exist`);
      if (code !== 'EEXIST') throw new StoreError('forbidden', `cannot create ${lockPath}: ${(err as Error).message}`);
    }
    const owner = await readOwner(lockPath);
    if (owner.host !== mine.host || running(owner.pid)) {
      throw new StoreError(
        'conflict',
        `${path} is in use by another ipferry control (pid ${owner.pid} on ${owner.host}, since ${new Date(owner.since).toISOString()}): one control plane writes a state file; stop that one, or remove ${lockPath} if it is not running`,
      );
    }
    warn(`${lockPath} was left by pid ${owner.pid}, which is no longer running: taking it over`);
    await rm(lockPath, { force: true });
  }
  throw new StoreError('conflict', `${lockPath}: another process took the lock while a stale one was cleared`);
}

async function readOwner(lockPath: string): Promise<LockOwner> {
  const text = await readFile(lockPath, 'utf8').catch(() => '');
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isSafeInteger(o.pid) && o.pid! > 0 && typeof o.host === 'string' && typeof o.since === 'number')
      return { pid: o.pid!, host: o.host, since: o.since };
  } catch {
    // falls through to the refusal below: the lock's owner cannot be told
  }
  throw new StoreError(
    'conflict',
    `${lockPath} exists but does not name its owner (pid, host): remove it if no ipferry control uses ${lockPath.slice(0, -5)}`,
  );
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists and belongs to someone else; only ESRCH says it is gone.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function releaseLock(lockPath: string, mine: LockOwner): Promise<void> {
  const text = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  // Only our own lock: never remove one another process took over.
  if (text === JSON.stringify(mine)) await rm(lockPath, { force: true });
}
