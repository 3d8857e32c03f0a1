import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { StoreError } from '../core/ports';
import { answerKeySecret, answerSigner, keyFromSeed } from '../control/answer-key';
import { handleHeartbeat, replyBytes } from '../control/heartbeat';
import { ed25519Signer, type Signer } from '../core/heartbeat';
import { secretsManager, type SecretReader } from './secrets';
import { errorText } from '../lib/log';
import { tick, type TickResult } from '../control/tick';
import { countTick, MetricUnit } from './observability';
import { createRuntime, forInvocation, runtimeOnce, urlHandler, type Runtime } from './runtime';
import { errorResult, parseUrlEvent, type UrlResult } from './url-event';

/** Built once per container, on the first heartbeat. */
const runtime = runtimeOnce(() => createRuntime());

/**
 * The heartbeat function URL (auth NONE: every heartbeat is signed): verify → store → answer with
 * the node's assignments. When the heartbeat shows a change is due (a peer newly dead, an owner
 * unhealthy or leaving) the tick runs here and now, and the answer already carries its result.
 */
export const handler = urlHandler(runtime, heartbeatHandler);

export async function heartbeatHandler(
  rt: Runtime,
  event: LambdaFunctionURLEvent,
  context?: Context,
): Promise<UrlResult> {
  const { ctx, metrics } = rt;
  const req = parseUrlEvent(event);
  if (req.method !== 'POST') return errorResult(405, 'malformed', 'heartbeats are POSTed');
  const local = forInvocation(ctx, context);
  let ticked: { result: TickResult | undefined; ms: number } | undefined;
  try {
    const reply = await handleHeartbeat(local, rt.verifier, req.body, {
      waitForTick: true,
      runTick: async (trigger) => {
        const started = Date.now();
        const result = await tick(local, { trigger });
        ticked = { result, ms: Date.now() - started };
        return result;
      },
    });
    metrics.addMetric(reply.ok ? 'Heartbeats' : 'HeartbeatsRefused', MetricUnit.Count, 1);
    if (ticked) countTick(metrics, ticked.result, ticked.ms);
    const out = replyBytes(reply, await signerOf(rt));
    return {
      statusCode: out.status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...out.headers },
      body: out.text,
    };
  } catch (err) {
    rt.logger.error('heartbeat failed', { error: errorText(err) });
    return err instanceof StoreError
      ? errorResult(503, err.reason, err.message)
      : errorResult(500, 'transient', errorText(err));
  } finally {
    await rt.store.flush();
    metrics.publishStoredMetrics();
  }
}

/**
 * The key answers are signed with: Ed25519 from the seed in the secret IPFERRY_ANSWER_KEY_SECRET
 * names (the stack creates it), read once per container. Checked against control.answerKey when
 * the config carries it (not yet on the first deploy, before anyone could know the public half).
 */
const signers = new WeakMap<Runtime, Promise<Signer | undefined>>();

export function signerOf(
  rt: Runtime,
  env: NodeJS.ProcessEnv = process.env,
  read: SecretReader = secretsManager,
): Promise<Signer | undefined> {
  let s = signers.get(rt);
  if (!s) {
    const id = env.IPFERRY_ANSWER_KEY_SECRET;
    const c = rt.ctx.config.control;
    const answerKey = c.mode === 'peer' || c.mode === 'etcd' ? undefined : c.answerKey;
    // Without control.answerKey (the first deploy, before the operator could derive it) the
    // function signs all the same: agents without answerKey ignore the header, and the moment an
    // agent's config gains the key, every answer it gets is already signed.
    s =
      id === undefined
        ? Promise.resolve(undefined)
        : read(id).then((seed) =>
            answerKey
              ? answerSigner(keyFromSeed(seed.trim()), answerKey, answerKeySecret(id))
              : ed25519Signer(keyFromSeed(seed.trim())),
          );
    // A failed read is not kept: the next heartbeat tries again (and its answer fails, loudly, until then).
    s.catch(() => signers.delete(rt));
    signers.set(rt, s);
  }
  return s;
}
