import { termSafeLines } from './terminal-text';
import type { CommandEntry } from './commands';

/**
 * The command dispatcher both programs share: `ipferry` (every command) and the host's agent
 * program (the few commands a host runs), so each bundle carries only the commands it lists.
 */
export function runCli(program: { name: string; title: string }, commands: Record<string, CommandEntry>, argv: string[]): void {
  const usage = `${program.name} — ${program.title}

usage: ${program.name} <command> [options]

${Object.entries(commands)
  .filter(([, c]) => !c.hidden)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run "${program.name} <command> --help" for a command's options.`;

  const main = async (): Promise<number> => {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      console.log(usage);
      return name ? 0 : 2;
    }
    const command = commands[name];
    if (!command) {
      console.error(`${program.name}: unknown command "${name}"\n\n${usage}`);
      return 2;
    }
    return (await command.load()).run(rest);
  };

  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`${program.name}: ${termSafeLines(err instanceof Error ? err.message : String(err))}`);
      process.exitCode = 1;
    },
  );
}
