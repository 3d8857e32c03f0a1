import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHandler, MAX_API_BODY_BYTES } from '../../functions/api';
import { heartbeatHandler } from '../../functions/heartbeat';
import { signer } from '../control/helpers/clusters';
import { startDynalite, type LocalDynamo } from '../control/helpers/dynalite';
import { TestAgent } from '../control/helpers/test-agent';
import { lambdaContext, urlEvent } from '../functions/events';
import { functionWorld } from '../functions/world';

// Issue 17, finding 8 (the AWS parts): the Lambda API read any body the function URL took (6 MB);
// an unsigned node name reached the WARN line at full length; what a replayed heartbeat costs.
// The handlers with the runtime the functions build, the store on dynalite.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let dynamo: LocalDynamo;
let w: Awaited<ReturnType<typeof functionWorld>>;
beforeAll(async () => {
  dynamo = await startDynalite();
  w = await functionWorld(dynamo, { timers: { heartbeatInterval: 1000, deadAfter: 3000, preemptDelay: 30_000 } });
});
afterAll(async () => {
  await w.close();
  await dynamo.close();
});

async function state() {
  const [group, events] = await Promise.all([
    w.rt.store.loadGroup(w.rt.ctx.group),
    w.rt.store.listEvents(w.rt.ctx.group),
  ]);
  return {
    nodes: [...group.nodes.keys()],
    draining: [...group.draining],
    version: group.version,
    events: events.events.map((e) => e.id),
  };
}

/** Counts the DynamoDB calls the store makes, by command, while `fn` runs (middleware on the real client). */
async function countCalls(client: DynamoDBClient, fn: () => Promise<void>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const name = `count-${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => (args) => {
      counts[context.commandName ?? '?'] = (counts[context.commandName ?? '?'] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    await fn();
  } finally {
    client.middlewareStack.remove(name);
  }
  return counts;
}

describe('security: the Lambda functions’ limits', () => {
  it('the API refuses a body over 64 KiB with 413 and changes nothing', async () => {
    const before = await state();
    const huge = JSON.stringify({ node: 'n1', reason: 'x'.repeat(MAX_API_BODY_BYTES) });
    const res = await apiHandler(
      w.rt,
      urlEvent({
        method: 'POST',
        path: '/v1/drain',
        body: huge,
        base64: true,
        callerArn: 'arn:aws:iam::123456789012:user/ops',
      }),
      lambdaContext(),
    );
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(String(res.body))).toEqual({ error: { reason: 'invalid', message: 'request body over 64 KiB' } });
    expect(await state()).toEqual(before);
  });

  it('an unsigned node name reaches the answer (and the WARN line with it) cut to 64 characters, JSON-escaped', async () => {
    const before = await state();
    const name = `\u001b]0;pwned\u0007${'n'.repeat(5000)}`;
    const body = JSON.stringify({ alg: 'hmac-sha256', payload: JSON.stringify({ node: name }), sig: 'AAAA' });
    const res = await heartbeatHandler(w.rt, urlEvent({ body }), lambdaContext());
    const message = (JSON.parse(String(res.body)) as { error: { reason: string; message: string } }).error;
    expect(message.reason).toBe('unknown-node');
    expect(message.message.length).toBeLessThan(200);
    expect([...message.message].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
    expect(message.message).toContain('(5010 characters, cut)');
    expect(await state()).toEqual(before);
  });

  it('a replayed valid heartbeat is 409 after two reads and no write, and stores nothing', async () => {
    const agent = new TestAgent('n1', { config: w.config, signer: signer(), url: () => '' });
    const env = agent.seal();
    expect((await heartbeatHandler(w.rt, urlEvent({ body: env }), lambdaContext())).statusCode).toBe(200);
    const before = await state();
    let status = 0;
    const calls = await countCalls(dynamo.client, async () => {
      status = (await heartbeatHandler(w.rt, urlEvent({ body: env }), lambdaContext())).statusCode ?? 0;
    });
    expect(status).toBe(409);
    // What docs/security.md says a replay costs: the node's record and the assignments' root
    // (read side by side for the good path's sake); the replay guard refuses it before any write.
    const reads = (calls.GetItemCommand ?? 0) + (calls.QueryCommand ?? 0) + (calls.BatchGetItemCommand ?? 0);
    expect(reads).toBeLessThanOrEqual(2);
    expect(Object.keys(calls).filter((c) => /Put|Update|Delete|Write/.test(c))).toEqual([]);
    expect(await state()).toEqual(before);
  });
});
