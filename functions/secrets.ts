import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretReader } from '../control/secrets';

export type { SecretReader };

/** Secrets Manager through Powertools parameters, cached for 5 minutes (docs/aws-runtime.md). */
export const secretsManager: SecretReader = async (id) => {
  const value = await getSecret(id, { maxAge: 300 });
  if (value === undefined) throw new Error(`secret ${id} has no value`);
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
};
