import { commands } from './commands';
import { runCli } from './run-cli';

runCli(
  { name: 'ipferry', title: 'keeps virtual IP addresses alive when the machine that serves them dies' },
  commands,
  process.argv.slice(2),
);
