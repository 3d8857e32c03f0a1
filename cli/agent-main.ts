import { hostCommands } from './commands/host';
import { runCli } from './run-cli';

// dist/ipferry-agent.mjs, what the systemd unit runs: one file like dist/ipferry.mjs, but without
// the control plane, the AWS SDK and the emulators, which a host never runs and whose mere
// presence in the file costs the agent about 15 MB of resident memory (agent/README.md, "Cost").
runCli(
  { name: 'ipferry-agent', title: "this host's ipferry agent and what it runs" },
  hostCommands,
  process.argv.slice(2),
);
