import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { bigClusterConfig, bigClusterPrivateKey } from '../../bench/big-cluster';
import { configDigest, loadConfig, type Config } from '../../core/config';
import { keyFromSeed, publicKeyText } from '../../control/answer-key';
import {
  ANSWER_SIGNATURE_HEADER,
  checkAnswer,
  ed25519Signer,
  HeartbeatAnswerSchema,
  privateKeyFrom,
  publicKeyFrom,
} from '../../core/heartbeat';
import { Ec2Emulator } from '../../sim/aws-ec2';
import { seedFromConfig } from '../../sim/aws-ec2/from-config';
import { startDynalite, type LocalDynamo } from '../control/helpers/dynalite';
import { TestAgent } from '../control/helpers/test-agent';
import { lambdaContext, scheduledEvent, urlEvent } from '../functions/events';
import { resolvedEnvironment, synthDeployed, type DeployedFunction } from './helpers/deployed';
import { SecretsManagerStub } from './helpers/secrets-manager';

type UrlHandler = (
  event: unknown,
  context: unknown,
) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;
type TickHandler = (event: unknown, context: unknown) => Promise<{ groups: Array<Record<string, unknown>> }>;

/**
 * The bundles `cdk synth` writes, run as Lambda would run them: each asset's index.mjs imported,
 * its config read from the asset (IPFERRY_CONFIG_FILE under LAMBDA_TASK_ROOT, checked against
 * IPFERRY_CONFIG_DIGEST), with the template's environment and only what Lambda itself adds
 * (region, credentials, LAMBDA_TASK_ROOT) plus the endpoints of dynalite and the EC2 emulator.
 * Direct liveness and ed25519 keys: the heartbeat alone is meaningful. The one secret is the answer
 * key's, which the heartbeat function reads through the bundled SDK from a Secrets Manager stub
 * (the ARN Lambda would resolve its IPFERRY_ANSWER_KEY_SECRET reference to), and signs with; the
 * config carries the control.answerKey derived from it, as after the operator's second deploy.
 */
const ENV = { account: '111111111111', region: 'us-east-1' };
const ANSWER_SEED = 'generated-by-cloudformation-0123456789abcdefghijklmnopqrstuvwxyzABCD';
const ANSWER_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:ControlPlaneAnswerKeySecret-AbCdEf';
const ANSWER_KEY = publicKeyText(keyFromSeed(ANSWER_SEED));
const base = bigClusterConfig({ nodes: 2, vips: 2, subnets: 1, liveness: 'direct' });
const document = {
  ...base,
  control: { ...base.control, answerKey: ANSWER_KEY },
  timers: { heartbeatInterval: 1000, deadAfter: 60_000 },
};
const config: Config = loadConfig(document);
const [n1, n2] = config.nodes.map((n) => n.id) as [string, string];

let outdir: string;
let fns: Record<'heartbeat' | 'tick' | 'api', DeployedFunction>;
let dynamo: LocalDynamo;
let ec2: Ec2Emulator;
let table: string;
let secrets: SecretsManagerStub;
let secretsUrl: string;
const saved = { ...process.env };

/** Imports a bundle with the environment its function would have; its runtime is built on the first call. */
async function load<T>(fn: DeployedFunction): Promise<T> {
  const env = resolvedEnvironment(fn, (name) => {
    if (name === 'IPFERRY_TABLE') return table;
    if (name === 'IPFERRY_ANSWER_KEY_SECRET') return ANSWER_SECRET_ARN;
    throw new Error(`no test value for ${name}`);
  });
  for (const k of Object.keys(process.env)) if (k.startsWith('IPFERRY_')) delete process.env[k];
  Object.assign(process.env, env, {
    AWS_REGION: ENV.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    LAMBDA_TASK_ROOT: fn.dir,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_EC2: ec2.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
  });
  return ((await import(fn.entry)) as { handler: T }).handler;
}

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'ipferry-deployed-'));
  fns = synthDeployed(outdir, stringify(document), ENV);
  dynamo = await startDynalite();
  table = await dynamo.newTable();
  ec2 = new Ec2Emulator({ seed: seedFromConfig(config) });
  await ec2.start(0);
  secrets = new SecretsManagerStub(new Map([[ANSWER_SECRET_ARN, ANSWER_SEED]]));
  secretsUrl = await secrets.start();
}, 300_000);

afterAll(async () => {
  process.env = saved;
  await ec2?.close();
  await secrets?.close();
  await dynamo?.close();
  rmSync(outdir, { recursive: true, force: true });
});

describe('the deployed bundles, invoked as deployed', () => {
  it('a signed heartbeat with a signed answer, a scheduled tick, GET /v1/status: the nodes get their VIPs on the EC2 emulator', async () => {
    const agents = Object.fromEntries(
      [n1, n2].map((id) => [
        id,
        new TestAgent(id, { config, signer: ed25519Signer(privateKeyFrom(bigClusterPrivateKey(id))), url: () => '' }),
      ]),
    );
    const heartbeat = await load<UrlHandler>(fns.heartbeat);
    const beat = async (id: string) => {
      const res = await heartbeat(urlEvent({ body: agents[id]!.seal() }), lambdaContext());
      expect(res.statusCode, res.body).toBe(200);
      const answer = HeartbeatAnswerSchema.parse(JSON.parse(res.body));
      // What an agent with control.answerKey checks first: the signature over the exact body.
      const signed = checkAnswer(
        res.body,
        res.headers?.[ANSWER_SIGNATURE_HEADER],
        { cluster: config.cluster, node: id, ...answer.inReplyTo! },
        publicKeyFrom(ANSWER_KEY),
        undefined,
      );
      expect(signed, res.body).toMatchObject({ ok: true });
      agents[id]!.apply(answer);
      return answer;
    };
    await beat(n1);
    await beat(n2);
    // The key is read once per container, from exactly the secret the template names.
    expect(secrets.reads).toEqual([ANSWER_SECRET_ARN]);

    const tick = await load<TickHandler>(fns.tick);
    const summary = await tick(scheduledEvent(), lambdaContext(50_000));
    expect(summary.groups).toEqual([
      expect.objectContaining({ group: config.cluster, status: 'done', unowned: 0, dead: 0, failed: 0 }),
    ]);

    const answer = await beat(n1);

    const api = await load<UrlHandler>(fns.api);
    const res = await api(
      urlEvent({ method: 'GET', path: '/v1/status', callerArn: 'arn:aws:iam::111111111111:user/operator' }),
      lambdaContext(),
    );
    expect(res.statusCode, res.body).toBe(200);
    const status = JSON.parse(res.body) as {
      digest: string;
      nodes: Array<{ id: string }>;
      vips: Array<{ vip: string; node: string | null }>;
    };
    expect(status.digest).toBe(configDigest(config));
    expect(status.nodes.map((n) => n.id).sort()).toEqual([n1, n2]);
    expect(status.vips.map((v) => v.vip).sort()).toEqual(config.vips.map((v) => v.name).sort());
    // Every VIP has an owner, and EC2's own state puts it on that owner's interface.
    for (const v of status.vips) {
      expect(v.node, v.vip).not.toBeNull();
      const vip = config.vips.find((c) => c.name === v.vip)!;
      expect(ec2.holderOfPrivateIp(vip.ip!.text), v.vip).toBe(config.nodes.find((n) => n.id === v.node)!.aws!.eni);
    }
    // The heartbeat after the tick answers with exactly the VIPs the status gives its node.
    expect(answer.assignments.map((a) => a.vip).sort()).toEqual(
      status.vips
        .filter((v) => v.node === n1)
        .map((v) => v.vip)
        .sort(),
    );
    expect(answer.assignments.length).toBeGreaterThan(0);
  }, 120_000);
});
