import { escapeControls } from '../lib/safe-text';

/**
 * The one gate between untrusted text and the terminal. Reasons, details, hook and check output,
 * node ids and error messages come from the network (heartbeats, the API, provider answers) or
 * from files; printed raw, an ESC sequence could clear the screen, retitle the window (OSC),
 * hide lines or fake output. Every printer passes such text through `termSafe`.
 */

/** Longest field printed, in characters after escaping: one hostile string cannot flood a screen. */
export const MAX_FIELD = 200;

/** `text` with every control character shown escaped (`\x1b`, `\u202e`), cut to `max` characters. */
export function termSafe(text: unknown, max = MAX_FIELD): string {
  const s = typeof text === 'string' ? text : text === undefined || text === null ? '' : String(text);
  return escapeControls(s, max);
}

/** Multi-line text (an error's message, a usage text with a reason in it): each line made safe on its own. */
export function termSafeLines(text: unknown, max = MAX_FIELD): string {
  const s = typeof text === 'string' ? text : String(text);
  return s
    .split('\n')
    .map((line) => termSafe(line, max))
    .join('\n');
}
