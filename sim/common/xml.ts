/**
 * Just enough XML for the AWS emulators: a builder whose output is escaped by construction, and a
 * small, strict parser for request bodies (Route 53 sends its change batches as XML). No library
 * is installed for this, and the documents involved are small and flat, so a hand-written
 * tokenizer is simpler than a dependency. DOCTYPEs are refused outright, so no entity expansion.
 */

/** Already-rendered XML. Wrapping it in a class keeps rendered markup apart from raw text. */
export class Xml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type XmlContent = Xml | string | number | boolean | undefined | null | readonly XmlContent[];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITY_FOR[c]!);
}

const ENTITY_FOR: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function render(content: XmlContent): string {
  if (content === undefined || content === null) return '';
  if (content instanceof Xml) return content.text;
  if (Array.isArray(content)) return content.map(render).join('');
  return escapeXml(String(content));
}

/** `<name>content</name>`; text is escaped, nested `Xml` is kept, undefined children vanish. */
export function el(name: string, ...content: XmlContent[]): Xml {
  const inner = content.map(render).join('');
  return new Xml(inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`);
}

/** Like `el`, but renders nothing when the value is absent, for optional fields. */
export function opt(name: string, value: XmlContent): Xml | undefined {
  return value === undefined || value === null ? undefined : el(name, value);
}

/** A list as `<name><member>..</member>...</name>` (EC2 uses `item` as the member name). */
export function list<T>(name: string, items: readonly T[], member: string, renderItem: (item: T) => XmlContent): Xml {
  return el(
    name,
    items.map((i) => el(member, renderItem(i))),
  );
}

/** A whole document with the declaration and a namespaced root element. */
export function document(root: string, namespace: string, ...content: XmlContent[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${escapeXml(namespace)}">${content.map(render).join('')}</${root}>`;
}

export interface XmlElement {
  /** Local name, namespace prefix removed. */
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

export class XmlParseError extends Error {}

/** Parses a document into its root element. Throws XmlParseError on anything malformed. */
export function parseXml(source: string): XmlElement {
  const p = new Parser(source);
  p.skipProlog();
  const root = p.element();
  p.skipMisc();
  if (!p.atEnd()) throw new XmlParseError('content after the root element');
  return root;
}

/** First child with this local name. */
export function child(e: XmlElement, name: string): XmlElement | undefined {
  return e.children.find((c) => c.name === name);
}

export function childrenNamed(e: XmlElement, name: string): XmlElement[] {
  return e.children.filter((c) => c.name === name);
}

/** Text of the first child with this name, trimmed, or undefined when there is no such child. */
export function childText(e: XmlElement, name: string): string | undefined {
  const c = child(e, name);
  return c === undefined ? undefined : c.text.trim();
}

const NAME = /[A-Za-z_][\w.:-]*/y;

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.i >= this.s.length;
  }

  skipProlog(): void {
    this.skipMisc();
    if (this.s.startsWith('<!DOCTYPE', this.i)) throw new XmlParseError('DOCTYPE is not accepted');
  }

  /** Whitespace, comments and processing instructions (including the XML declaration). */
  skipMisc(): void {
    for (;;) {
      while (/\s/.test(this.s[this.i] ?? '')) this.i++;
      if (this.s.startsWith('<?', this.i)) this.skipPast('?>');
      else if (this.s.startsWith('<!--', this.i)) this.skipPast('-->');
      else return;
    }
  }

  element(): XmlElement {
    if (this.s[this.i] !== '<') throw new XmlParseError(`expected "<" at offset ${this.i}`);
    this.i++;
    const qname = this.name();
    const attrs = this.attributes();
    const e: XmlElement = { name: localName(qname), attrs, children: [], text: '' };
    if (this.s.startsWith('/>', this.i)) {
      this.i += 2;
      return e;
    }
    this.expect('>');
    for (;;) {
      if (this.atEnd()) throw new XmlParseError(`unclosed element <${qname}>`);
      if (this.s.startsWith('</', this.i)) {
        this.i += 2;
        const closing = this.name();
        if (closing !== qname) throw new XmlParseError(`mismatched </${closing}> for <${qname}>`);
        while (/\s/.test(this.s[this.i] ?? '')) this.i++;
        this.expect('>');
        return e;
      }
      if (this.s.startsWith('<!--', this.i)) this.skipPast('-->');
      else if (this.s.startsWith('<![CDATA[', this.i)) {
        const end = this.s.indexOf(']]>', this.i);
        if (end < 0) throw new XmlParseError('unclosed CDATA section');
        e.text += this.s.slice(this.i + 9, end);
        this.i = end + 3;
      } else if (this.s.startsWith('<?', this.i)) this.skipPast('?>');
      else if (this.s[this.i] === '<') e.children.push(this.element());
      else {
        const next = this.s.indexOf('<', this.i);
        const end = next < 0 ? this.s.length : next;
        e.text += decodeEntities(this.s.slice(this.i, end));
        this.i = end;
      }
    }
  }

  private attributes(): Record<string, string> {
    const attrs: Record<string, string> = {};
    for (;;) {
      while (/\s/.test(this.s[this.i] ?? '')) this.i++;
      const c = this.s[this.i];
      if (c === '>' || c === '/' || c === undefined) return attrs;
      const name = this.name();
      while (/\s/.test(this.s[this.i] ?? '')) this.i++;
      this.expect('=');
      while (/\s/.test(this.s[this.i] ?? '')) this.i++;
      const quote = this.s[this.i];
      if (quote !== '"' && quote !== "'") throw new XmlParseError(`attribute ${name} is not quoted`);
      const end = this.s.indexOf(quote, this.i + 1);
      if (end < 0) throw new XmlParseError(`unclosed attribute ${name}`);
      attrs[name] = decodeEntities(this.s.slice(this.i + 1, end));
      this.i = end + 1;
    }
  }

  private name(): string {
    NAME.lastIndex = this.i;
    const m = NAME.exec(this.s);
    if (!m) throw new XmlParseError(`expected a name at offset ${this.i}`);
    this.i += m[0].length;
    return m[0];
  }

  private expect(ch: string): void {
    if (this.s[this.i] !== ch) throw new XmlParseError(`expected "${ch}" at offset ${this.i}`);
    this.i++;
  }

  private skipPast(end: string): void {
    const at = this.s.indexOf(end, this.i);
    if (at < 0) throw new XmlParseError(`expected "${end}"`);
    this.i = at + end.length;
  }
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (code > 0x10ffff) throw new XmlParseError(`character reference out of range: ${whole}`);
      return String.fromCodePoint(code);
    }
    const named = NAMED[ref];
    if (named === undefined) throw new XmlParseError(`unknown entity ${whole}`);
    return named;
  });
}
