/**
 * The one gate between untrusted text and the terminal. Reasons, details, hook and check output,
 * node ids and error messages come from the network (heartbeats, the API, provider answers) or
 * from files; printed raw, an ESC sequence could clear the screen, retitle the window (OSC),
 * hide lines or fake output. Every printer passes such text through `termSafe`.
 */

/** Longest field printed, in characters after escaping: one hostile string cannot flood a screen. */
export const MAX_FIELD = 200;

// C0 controls (newline and tab included: a field is one line), DEL, C1 controls, and the Unicode
// formatting characters that reorder or hide text (bidi overrides and isolates, line/paragraph
// separators, zero-width joiners used to spoof).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

/** `text` with every control character shown escaped (`\x1b`, `\u202e`), cut to `max` characters. */
export function termSafe(text: unknown, max = MAX_FIELD): string {
  const s = typeof text === 'string' ? text : text === undefined || text === null ? '' : String(text);
  const escaped = s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  const chars = [...escaped];
  return chars.length <= max ? escaped : `${chars.slice(0, max - 1).join('')}…`;
}

/** Multi-line text (an error's message, a usage text with a reason in it): each line made safe on its own. */
export function termSafeLines(text: unknown, max = MAX_FIELD): string {
  const s = typeof text === 'string' ? text : String(text);
  return s
    .split('\n')
    .map((line) => termSafe(line, max))
    .join('\n');
}
