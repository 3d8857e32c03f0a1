import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One `ipferry <name>` command: runs with its arguments and returns the exit code. */
export interface Command {
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with --help built in and errors turned into a usage message (exit code 2), so every
 * command handles bad flags the same way.
 */
export function parse<O extends Options>(
  argv: string[],
  spec: { usage: string; options: O; positionals?: { min?: number; max?: number } },
): { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; args: string[] }>>['values']; positionals: string[] } | number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${spec.usage}`);
    return 2;
  }
  if ((parsed.values as Record<string, unknown>).help) {
    console.log(spec.usage);
    return 0;
  }
  const { min = 0, max = Infinity } = spec.positionals ?? {};
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    console.error(spec.usage);
    return 2;
  }
  return parsed as never;
}
