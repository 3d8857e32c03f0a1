import { RemovalPolicy, Token } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { Config } from '../core/config';

/** The secrets a cluster may need, by the environment variable that names each one (docs/aws-runtime.md). */
export const SECRET_ENV = {
  psk: 'IPFERRY_PSK_SECRET',
  hetznerToken: 'IPFERRY_HETZNER_TOKEN_SECRET',
  robot: 'IPFERRY_ROBOT_SECRET',
  /** The heartbeat function's alone: the seed of the key answers are signed with. */
  answerKey: 'IPFERRY_ANSWER_KEY_SECRET',
} as const;
export type SecretRole = keyof typeof SECRET_ENV;

/** ARNs of existing secrets; any the config needs and that is not given is created by the construct. */
export type SecretArns = Partial<Record<SecretRole, string>>;

/** Which secrets the config needs: the psk for hmac-sha256 signing, Hetzner credentials for their VIP kinds. */
export function neededSecrets(config: Config): SecretRole[] {
  const kinds = new Set(config.vips.map((v) => v.kind));
  const out: SecretRole[] = [];
  if (config.security.signing === 'hmac-sha256') out.push('psk');
  if (kinds.has('hetzner-floating-ip') || kinds.has('hetzner-alias-ip')) out.push('hetznerToken');
  if (kinds.has('hetzner-robot-failover-ip')) out.push('robot');
  return out;
}

export interface ClusterSecret {
  role: SecretRole;
  arn: string;
  /** Set when the construct created it (its value must then be put in by the operator, or shared with agents). */
  created?: Secret;
}

/**
 * Existing secrets by ARN, or new ones: the ones all three functions read. Created secrets outlive
 * the stack: agents and operators hold copies.
 */
export function clusterSecrets(scope: Construct, config: Config, given: SecretArns): ClusterSecret[] {
  return neededSecrets(config).map((role) => secretOf(scope, config, role, given));
}

/**
 * The answer key's seed (docs/deploy-aws.md, the answer key): every AWS cluster has one, given or
 * created, and only the heartbeat function reads it. Kept when the stack goes, as the others: the
 * agents' control.answerKey is derived from it, and a new one would mean a new key on every node.
 */
export function answerKeySecret(scope: Construct, config: Config, given: SecretArns): ClusterSecret {
  return secretOf(scope, config, 'answerKey', given);
}

function secretOf(scope: Construct, config: Config, role: SecretRole, given: SecretArns): ClusterSecret {
  const arn = given[role];
  if (arn !== undefined) return { role, arn: checkedArn(role, arn) };
  const created = new Secret(scope, CREATED[role].id, {
    description: `ipferry ${config.cluster}: ${CREATED[role].description}`,
    ...CREATED[role].value,
  });
  created.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return { role, arn: created.secretArn, created };
}

const CREATED = {
  psk: {
    id: 'PskSecret',
    description: 'pre-shared key that signs heartbeats (give agents the same key through pskFile or pskEnv)',
    value: { generateSecretString: { passwordLength: 48, excludePunctuation: true } },
  },
  hetznerToken: {
    id: 'HetznerTokenSecret',
    description: 'Hetzner Cloud API token (replace the generated placeholder with put-secret-value)',
    value: { generateSecretString: { passwordLength: 32, excludePunctuation: true } },
  },
  robot: {
    id: 'RobotSecret',
    description:
      'Hetzner Robot web service credentials {"user","password"} (replace the placeholders with put-secret-value)',
    value: {
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ user: 'replace-me' }),
        generateStringKey: 'password',
        excludePunctuation: true,
      },
    },
  },
  answerKey: {
    id: 'AnswerKeySecret',
    description:
      "seed of the control plane's answer-signing Ed25519 key (its SHA-256); ipferry keygen --public-from-seed - prints control.answerKey from it",
    // 64 letters and digits, about 380 bits: more than the 256-bit seed it is hashed into, and no
    // punctuation or spaces that a shell pipe or the function's trim could change.
    value: { generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false } },
  },
} as const;

/** GetSecretValue on a partial ARN (without Secrets Manager's 6-character suffix) matches nothing. */
const COMPLETE_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

function checkedArn(role: SecretRole, arn: string): string {
  if (!Token.isUnresolved(arn) && !COMPLETE_SECRET_ARN.test(arn)) {
    throw new Error(
      `secrets.${role}: expected a complete secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>), got ${JSON.stringify(arn)}`,
    );
  }
  return arn;
}

/** secretsmanager:GetSecretValue on exactly these secrets: nothing else of Secrets Manager. */
export function secretsStatement(
  secrets: readonly ClusterSecret[],
  sid = 'ReadClusterSecrets',
): PolicyStatement | undefined {
  if (secrets.length === 0) return undefined;
  return new PolicyStatement({
    sid,
    effect: Effect.ALLOW,
    actions: ['secretsmanager:GetSecretValue'],
    resources: secrets.map((s) => s.arn),
  });
}
