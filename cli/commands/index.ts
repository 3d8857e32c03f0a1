import type { Command } from '../command';
import { agent } from './agent';
import { control } from './control';
import { demo } from './demo';
import { drain, move, undrain } from './operate';
import { schema } from './schema';
import { sim } from './sim';
import { events, plan, status } from './status';
import { validate } from './validate';

/** Every `ipferry <name>` command, in the order the usage text lists them. */
export const commands: Record<string, Command> = {
  demo,
  validate,
  schema,
  agent,
  sim,
  control,
  status,
  events,
  plan,
  drain,
  undrain,
  move,
};
