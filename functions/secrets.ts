import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/** Reads a secret's text by id or ARN. Injected, so tests and other runtimes can supply their own. */
export type SecretReader = (id: string) => Promise<string>;

/** Secrets Manager through Powertools parameters, cached for 5 minutes (docs/aws-runtime.md). */
export const secretsManager: SecretReader = async (id) => {
  const value = await getSecret(id, { maxAge: 300 });
  if (value === undefined) throw new Error(`secret ${id} has no value`);
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
};
