import { configJsonSchema } from '../../core/config';
import { parse, type Command } from '../command';

export const schema: Command = {
  async run(argv) {
    const args = parse(argv, { usage: 'usage: ipferry schema', options: {} });
    if (typeof args === 'number') return args;
    console.log(JSON.stringify(configJsonSchema(), null, 2));
    return 0;
  },
};
