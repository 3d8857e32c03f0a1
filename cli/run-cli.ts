import type { CommandEntry } from './commands';
import { termSafe, termSafeLines } from './terminal-text';
import { VERSION } from './version';

/**
 * The command dispatcher both programs share: `ipferry` (every command) and the host's agent
 * program (the few commands a host runs), so each bundle carries only the commands it lists.
 * Resolves to the exit code; `runCli` sets it on the process.
 */
export async function dispatch(
  program: { name: string; title: string },
  commands: Record<string, CommandEntry>,
  argv: string[],
): Promise<number> {
  const usage = `${program.name} ${VERSION} — ${program.title}

usage: ${program.name} <command> [options]
       ${program.name} help <command>     that command's options
       ${program.name} --version

${Object.entries(commands)
  .filter(([, c]) => !c.hidden)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}`;
  const refuse = (problem: string) => {
    console.error(
      `${program.name}: ${termSafe(problem)}\nusage: ${program.name} <command> [options]  (run "${program.name} help" for the commands)`,
    );
    return 2;
  };

  const [name, ...rest] = argv;
  if (!name) {
    console.error(usage);
    return 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    if (rest.length > 0) return refuse(`unexpected argument "${rest[0]}"`);
    console.log(`${program.name} ${VERSION}`);
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const [topic, ...extra] = rest;
    if (extra.length > 0) return refuse(`unexpected argument "${extra[0]}"`);
    if (!topic) {
      console.log(usage);
      return 0;
    }
    const command = commands[topic];
    if (!command) return refuse(`no command "${topic}"`);
    return (await command.load()).run(['--help']);
  }
  const command = commands[name];
  if (!command)
    return refuse(
      name.startsWith('-') ? `unknown option ${name} (options follow the command)` : `unknown command "${name}"`,
    );
  return (await command.load()).run(rest);
}

export function runCli(
  program: { name: string; title: string },
  commands: Record<string, CommandEntry>,
  argv: string[],
): void {
  dispatch(program, commands, argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`${program.name}: ${termSafeLines(err instanceof Error ? err.message : String(err))}`);
      process.exitCode = 1;
    },
  );
}
