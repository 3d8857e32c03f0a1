/**
 * Untrusted text made safe for a terminal or a log line: hook and check output, reasons from the
 * network, names from files. Printed raw, an ESC sequence could clear the screen, retitle the
 * window (OSC), hide lines or fake output. The CLI's printers (cli/terminal-text.ts) and the hook
 * helper's captured output both pass through here.
 */

// C0 controls (newline and tab included: a field is one line), DEL, C1 controls, and the Unicode
// formatting characters that reorder or hide text (bidi overrides and isolates, line/paragraph
// separators, zero-width joiners used to spoof).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

/** `text` with every control character shown escaped (`\x1b`, `\u202e`), cut to `max` characters. */
export function escapeControls(text: string, max: number): string {
  const escaped = text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  const chars = [...escaped];
  return chars.length <= max ? escaped : `${chars.slice(0, max - 1).join('')}…`;
}
