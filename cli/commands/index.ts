import type { Command } from '../command';
import { agent } from './agent';
import { demo } from './demo';
import { schema } from './schema';
import { sim } from './sim';
import { validate } from './validate';

/** Every `ipferry <name>` command, in the order the usage text lists them. */
export const commands: Record<string, Command> = {
  demo,
  validate,
  schema,
  agent,
  sim,
};
