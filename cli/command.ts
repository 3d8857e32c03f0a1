import { parseArgs, type ParseArgsConfig } from 'node:util';
import { termSafe } from './terminal-text';

/** One `ipferry <name>` command: runs with its arguments and returns the exit code. */
export interface Command {
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with --help built in and errors turned into a usage message (exit code 2), so every
 * command handles bad flags the same way. Positionals are refused unless the spec allows them.
 */
export function parse<O extends Options>(
  argv: string[],
  spec: { usage: string; options: O; positionals?: { min?: number; max?: number } },
):
  | {
      values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; args: string[] }>>['values'];
      positionals: string[];
    }
  | number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return usageError(spec.usage, parseProblem(err));
  }
  if ((parsed.values as Record<string, unknown>).help) {
    console.log(spec.usage);
    return 0;
  }
  const { min = 0, max = 0 } = spec.positionals ?? {};
  const given = parsed.positionals;
  if (given.length > max)
    return usageError(
      spec.usage,
      `unexpected argument "${given[max]}"${max === 0 ? ' (this command takes none)' : ''}`,
    );
  if (given.length < min)
    return usageError(
      spec.usage,
      `missing argument${min - given.length === 1 ? '' : 's'}: expected ${min}, got ${given.length}`,
    );
  return parsed as never;
}

/**
 * Prints `ipferry: PROBLEM`, the command's usage line(s) and where the full help is, to stderr;
 * returns 2, the exit code for bad usage.
 */
export function usageError(usage: string, problem: string): number {
  const lines = usage.split('\n\n')[0]!;
  const name = /usage: ipferry ([a-z0-9-]+)/.exec(lines)?.[1];
  console.error(
    `ipferry: ${termSafe(problem, 400)}\n${lines}${name ? `\n(run "ipferry help ${name}" for every option)` : ''}`,
  );
  return 2;
}

/** parseArgs' own messages quote oddly and talk of positionals; say what was wrong in our words. */
function parseProblem(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  // "Option '-h, --help' does not take…": name the long form where there is one.
  const option = /--[a-z0-9][a-z0-9-]*/i.exec(message)?.[0] ?? /'(-[^'\s,]+)/.exec(message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return option ? `unknown option ${option}` : 'unknown option';
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(message))
      return option ? `${option} takes no value` : 'an option takes no value';
    return option ? `${option} needs a value` : 'an option needs a value';
  }
  return message;
}

/** A command in the table of cli/commands/index.ts, loaded only when it runs. */
export interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
  /** Started by ipferry itself, not listed in the usage text. */
  hidden?: boolean;
}
