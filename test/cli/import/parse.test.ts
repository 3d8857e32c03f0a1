import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandGlob, readKeepalived, tokenize } from '../../../cli/import/keepalived-parse';
import { Notes } from '../../../cli/import/report';
import { shellWords } from '../../../cli/import/shell-words';
import { parseUcarp } from '../../../cli/import/ucarp';

const dir = mkdtempSync(join(tmpdir(), 'ipferry-kaparse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};

describe('the keepalived.conf reader', () => {
  it('ends words at braces, drops # and ! comments anywhere outside quotes, keeps quoted text whole', () => {
    const lines = tokenize(
      'vrrp_script chk{ ! comment\n  script "/bin/check --flag # not a comment" # comment\n}',
      'f',
    );
    expect(lines.map((l) => l.map((t) => t.text))).toEqual([
      ['vrrp_script', 'chk', '{'],
      ['script', '/bin/check --flag # not a comment'],
      ['}'],
    ]);
  });

  it('reads blocks on one line and blocks opened on the next line, with file and line', () => {
    const path = write('shape.conf', 'vrrp_instance VI_1\n{\n  unicast_peer { 10.0.0.2 }\n  nopreempt\n}\n');
    const [inst] = readKeepalived(path);
    expect(inst).toMatchObject({ words: ['vrrp_instance', 'VI_1'], line: 1 });
    expect(inst!.children!.map((c) => [c.words, c.line, c.children?.map((p) => p.words)])).toEqual([
      [['unicast_peer'], 3, [['10.0.0.2']]],
      [['nopreempt'], 4, undefined],
    ]);
  });

  it('follows includes relative to the including file, with globs, in name order', () => {
    write('inc/main.conf', 'include sub/*.conf\ninclude /nonexistent/*.conf\n');
    write('inc/sub/b.conf', 'b_statement\n');
    write('inc/sub/a.conf', 'a_statement\n');
    write('inc/sub/.hidden.conf', 'hidden\n');
    expect(readKeepalived(join(dir, 'inc/main.conf')).map((s) => s.words[0])).toEqual(['a_statement', 'b_statement']);
    expect(expandGlob(join(dir, 'inc/s?b/[a]*.conf'))).toEqual([join(dir, 'inc/sub/a.conf')]);
  });

  it('refuses includes nested deeper than 8 and files over 1 MiB, naming where', () => {
    for (let i = 0; i < 10; i++) write(`deep/${i}.conf`, `include ${i + 1}.conf\n`);
    write('deep/10.conf', 'end\n');
    expect(() => readKeepalived(join(dir, 'deep/0.conf'))).toThrow(/deep\/8\.conf:1: includes nested deeper than 8$/);
    const big = write('big.conf', `# ${'x'.repeat(1 << 20)}\n`);
    expect(() => readKeepalived(big)).toThrow(/big\.conf is 1048579 bytes, more than the 1048576/);
  });

  it('refuses a stray "}" and an unclosed quote with file:line', () => {
    expect(() => readKeepalived(write('stray.conf', 'a\n}\n'))).toThrow(/stray\.conf:2: a "}" closes no block$/);
    expect(() => readKeepalived(write('quote.conf', 'a\nscript "oops\n'))).toThrow(
      /quote\.conf:2: a quoted string is not closed on its line$/,
    );
  });
});

describe('ucarp command lines', () => {
  it('reads short flags (attached or not) and long flags (with = or not); the first word may be ucarp itself', () => {
    const notes = new Notes();
    const line = parseUcarp(
      'h',
      "/usr/sbin/ucarp -i eth0 -s10.0.0.1 --vhid 7 --pass='two words' -a 10.0.0.100 -b 2 -k10 -r 4 --preempt -u /up -d /down -x 'x y'",
      notes,
    );
    expect(line).toEqual({
      host: 'h',
      interface: 'eth0',
      srcip: '10.0.0.1',
      vhid: 7,
      pass: 'two words',
      addr: '10.0.0.100',
      advbase: 2,
      advskew: 10,
      deadratio: 4,
      preempt: true,
      upscript: '/up',
      downscript: '/down',
      xparam: 'x y',
    });
    expect(notes.list).toEqual([]);
  });

  it('names what it drops and refuses a line without the address or with a bad number', () => {
    const notes = new Notes();
    parseUcarp('h', 'ucarp -v 1 -a 10.0.0.5 --neutral -m 239.0.0.1', notes);
    expect(notes.list.map((n) => `${n.where}: ${n.what}`)).toEqual(['h: --neutral', 'h: -m 239.0.0.1']);
    expect(() => parseUcarp('h', 'ucarp -v 1', notes)).toThrow(/^h: no --addr/);
    expect(() => parseUcarp('h', 'ucarp -v 300 -a 10.0.0.5', notes)).toThrow(
      /^h: -v 300 is not a number from 0 to 255$/,
    );
    expect(() => parseUcarp('h', "ucarp -p 'open", notes)).toThrow(/^h: a single quote is not closed$/);
  });

  it('splits words as a shell would, without expanding anything', () => {
    expect(shellWords(`a "b c" 'd $e' f\\ g "h\\"i"`)).toEqual(['a', 'b c', 'd $e', 'f g', 'h"i']);
    expect(shellWords('')).toEqual([]);
  });
});
