/**
 * Splits a command line as a POSIX shell would for the simple cases these files hold: spaces
 * separate words, single quotes keep everything, double quotes keep all but `\` escapes, `\`
 * escapes one character. No expansion: the importer never runs what it reads.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word = (word ?? '') + c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length) word = (word ?? '') + line[++i];
      else word = (word ?? '') + c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      const n = line[++i]!;
      if (n !== '\n') word = (word ?? '') + n;
    } else word = (word ?? '') + c;
  }
  if (quote) throw new Error(`a ${quote === '"' ? 'double' : 'single'} quote is not closed`);
  if (word !== undefined) words.push(word);
  return words;
}
