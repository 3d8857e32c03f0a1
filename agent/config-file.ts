import { readFile } from 'node:fs/promises';
import { ConfigError, parseConfigText, type Config } from '../core/config';
import { unreadableFileIssue } from '../core/config/load';

/** Reads and validates a config file; a missing file or any invalid field is a ConfigError. */
export async function readConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([unreadableFileIssue(path, err)]);
  }
  const r = parseConfigText(text, path);
  if (!r.ok) throw new ConfigError(r.issues);
  return r.config;
}
