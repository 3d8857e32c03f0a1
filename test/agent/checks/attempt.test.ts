import { describe, expect, it } from 'vitest';
import { attempt, describeError } from '../../../agent/checks/attempt';
import { activeResources, leakedSince } from '../../helpers/handles';

describe('attempt (the frame every check runs in)', () => {
  it('ends at the deadline even when the body never settles, and runs its cleanups', async () => {
    const before = activeResources();
    let cleaned = 0;
    const outcome = await attempt(100, undefined, async (a) => {
      a.phase = 'banner';
      a.defer(() => cleaned++);
      return new Promise(() => {}); // never settles
    });
    expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 100ms in banner' });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(95);
    expect(cleaned).toBe(1);
    expect(await leakedSince(before)).toEqual({}); // its timer is gone too
  });

  it('runs a cleanup registered after the end at once (a socket opened too late)', async () => {
    let late: ((fn: () => void) => void) | undefined;
    await attempt(50, undefined, async (a) => {
      late = (fn) => a.defer(fn);
      return new Promise(() => {});
    });
    let cleaned = false;
    late!(() => (cleaned = true));
    expect(cleaned).toBe(true);
  });

  it('passes a success through with its warning', async () => {
    const outcome = await attempt(1000, undefined, async () => ({ detail: 'fine', warning: 'expires soon' }));
    expect(outcome).toMatchObject({ ok: true, detail: 'fine', warning: 'expires soon' });
  });

  it('reports the caller aborting, even before it started', async () => {
    const outcome = await attempt(1000, AbortSignal.abort(), async () => ({ detail: 'never' }));
    expect(outcome).toMatchObject({ ok: false, detail: 'aborted in start' });
  });

  it('turns a thrown error into a detail that names the phase and the code', async () => {
    const err = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(describeError(err, 'EHLO')).toBe('EHLO: read ECONNRESET');
    expect(describeError(new Error('connect ECONNREFUSED 127.0.0.1:25'), 'connect')).toBe(
      'connect ECONNREFUSED 127.0.0.1:25',
    );
    const ssl = Object.assign(
      new Error('80AB:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:x.c:350:'),
      {
        code: 'ERR_SSL_WRONG_VERSION_NUMBER',
        reason: 'wrong version number',
      },
    );
    expect(describeError(ssl, 'tls handshake')).toBe(
      'tls handshake: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)',
    );
  });
});
