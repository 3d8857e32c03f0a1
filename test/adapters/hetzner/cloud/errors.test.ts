import { describe, expect, it } from 'vitest';
import { HetznerCloudClient, reasonFor } from '../../../../adapters/hetzner/cloud';
import type { Clock } from '../../../../core/clock';
import type { ProviderError } from '../../../../core/reasons';
import { ManualClock } from '../../../helpers/manual-clock';

type Answer = { status: number; body: string; headers?: Record<string, string> };

/** A client whose fetch answers from a list, recording the requests it was given. */
function stubbed(answers: Answer[], clock: Clock = new ManualClock(1_750_000_000_000)) {
  const requests: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fetchStub: typeof fetch = async (input, init) => {
    requests.push({ url: String(input), init });
    const a = answers.shift();
    if (!a) throw new Error('no more stub answers');
    return new Response(a.body, { status: a.status, headers: a.headers ?? {} });
  };
  return {
    client: new HetznerCloudClient({ token: 'tok', baseUrl: 'http://stub.invalid/v1/', fetch: fetchStub, clock }),
    requests,
  };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as ProviderError,
  );
const envelope = (code: string, message = 'msg') => JSON.stringify({ error: { code, message, details: {} } });

describe('HetznerCloudClient error mapping (stub fetch)', () => {
  it('maps every documented code onto its reason, and unknown codes by status', () => {
    const table: Array<[number, string | undefined, string]> = [
      [429, 'rate_limit_exceeded', 'throttled'],
      [500, 'server_error', 'transient'],
      [503, 'service_error', 'transient'],
      [503, 'maintenance', 'transient'],
      [404, 'not_found', 'not-found'],
      [401, 'unauthorized', 'forbidden'],
      [403, 'forbidden', 'forbidden'],
      [403, 'token_readonly', 'forbidden'],
      [423, 'locked', 'conflict'],
      [409, 'conflict', 'conflict'],
      [400, 'invalid_input', 'invalid'],
      [400, 'json_error', 'invalid'],
      [403, 'protected', 'invalid'],
      [429, undefined, 'throttled'],
      [502, undefined, 'transient'],
      [423, 'something_new', 'conflict'],
      [418, 'something_new', 'invalid'],
    ];
    for (const [status, code, reason] of table)
      expect([status, code, reasonFor(status, code)]).toEqual([status, code, reason]);
  });

  it('sends the bearer token and JSON body, and joins the base URL without a double slash', async () => {
    const action = {
      id: 5,
      command: 'assign_floating_ip',
      status: 'running',
      progress: 0,
      started: 'x',
      finished: null,
      resources: [],
      error: null,
    };
    const { client, requests } = stubbed([{ status: 201, body: JSON.stringify({ action }) }]);
    await client.assignFloatingIp(7, 42);
    expect(requests[0]!.url).toBe('http://stub.invalid/v1/floating_ips/7/actions/assign');
    const headers = requests[0]!.init!.headers as Record<string, string>;
    expect(headers.authorization).toBe('Bearer tok');
    expect(JSON.parse(String(requests[0]!.init!.body))).toEqual({ server: 42 });
  });

  it('computes retryAfterMs from RateLimit-Reset on a 429', async () => {
    const clock = new ManualClock(1_750_000_000_000);
    const reset = String(Math.ceil(clock.now() / 1000) + 3600);
    const { client } = stubbed(
      [
        {
          status: 429,
          body: envelope('rate_limit_exceeded'),
          headers: { 'RateLimit-Limit': '3600', 'RateLimit-Remaining': '0', 'RateLimit-Reset': reset },
        },
      ],
      clock,
    );
    const err = await failure(client.getServer(1));
    expect(err.reason).toBe('throttled');
    expect(err.details.retryAfterMs).toBe(1000);
  });

  it('treats a 2xx body that is not JSON as transient, naming the call', async () => {
    const { client } = stubbed([{ status: 200, body: '<html>gateway' }]);
    const err = await failure(client.getServer(1));
    expect(err).toMatchObject({ reason: 'transient', details: { code: 'malformed_answer', status: 200 } });
    expect(err.message).toMatch(/GET \/servers\/1 .*not JSON.*<html>gateway/);
  });

  it('refuses a 2xx answer of the wrong shape as invalid, naming the field', async () => {
    const { client } = stubbed([{ status: 200, body: JSON.stringify({ floating_ip: { id: 1, ip: 7 } }) }]);
    const err = await failure(client.getFloatingIp(1));
    expect(err).toMatchObject({ reason: 'invalid', details: { code: 'unexpected_answer' } });
    expect(err.message).toMatch(/floating_ip\.name/);
  });

  it('maps an error status without an envelope by its status', async () => {
    const { client } = stubbed([
      { status: 502, body: '<html>bad gateway</html>' },
      { status: 423, body: '' },
    ]);
    expect(await failure(client.getServer(1))).toMatchObject({ reason: 'transient', details: { status: 502 } });
    const locked = await failure(client.getServer(1));
    expect(locked.reason).toBe('conflict');
    expect(locked.details.code).toBeUndefined();
  });

  it('maps a refused connection onto transient', async () => {
    const client = new HetznerCloudClient({
      token: 't',
      baseUrl: 'http://stub.invalid/v1',
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') });
      },
    });
    const err = await failure(client.getServer(1));
    expect(err).toMatchObject({ reason: 'transient', details: { code: 'network' } });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('times out on the injected clock and when the caller aborts', async () => {
    const clock = new ManualClock(1_750_000_000_000);
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(new Error('aborted'))));
    const client = new HetznerCloudClient({
      token: 't',
      baseUrl: 'http://stub.invalid/v1',
      fetch: hanging,
      clock,
      timeoutMs: 5000,
    });
    const pending = failure(client.getServer(1));
    await clock.advance(4999);
    await clock.advance(1);
    expect(await pending).toMatchObject({ reason: 'transient', details: { code: 'timeout' } });
    const ac = new AbortController();
    const cancelled = failure(client.getServer(1, { signal: ac.signal }));
    ac.abort(new Error('shutting down'));
    expect(await cancelled).toMatchObject({ reason: 'transient', details: { code: 'aborted' } });
  });

  it('refuses pagination that does not advance, and bad ids without a call', async () => {
    const page = (next: number | null) =>
      JSON.stringify({
        servers: [],
        meta: {
          pagination: { page: 1, per_page: 50, previous_page: null, next_page: next, last_page: 2, total_entries: 60 },
        },
      });
    const { client, requests } = stubbed([{ status: 200, body: page(1) }]);
    expect(await failure(client.listServers())).toMatchObject({
      reason: 'invalid',
      details: { code: 'unexpected_answer' },
    });
    expect(await failure(client.getServer(-3))).toMatchObject({
      reason: 'invalid',
      details: { code: 'invalid_argument' },
    });
    expect(requests).toHaveLength(1);
  });

  it('polls an action on the injected clock until it succeeds', async () => {
    const clock = new ManualClock(1_750_000_000_000);
    const action = (status: string, progress: number) =>
      JSON.stringify({
        action: {
          id: 9,
          command: 'assign_floating_ip',
          status,
          progress,
          started: 'x',
          finished: null,
          resources: [],
          error: null,
        },
      });
    const { client, requests } = stubbed(
      [
        { status: 200, body: action('running', 50) },
        { status: 200, body: action('success', 100) },
      ],
      clock,
    );
    const waiting = client.waitForAction(9, { deadlineMs: 10_000, pollMs: 1000 });
    for (let i = 0; i < 20 && requests.length < 2; i++) {
      await clock.advance(500);
    }
    await expect(waiting).resolves.toMatchObject({ status: 'success' });
    expect(requests).toHaveLength(2);
  });
});
