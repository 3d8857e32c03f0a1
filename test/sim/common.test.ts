import { afterEach, describe, expect, it } from 'vitest';
import { CallLog } from '../../sim/common/call-log';
import { Emulator } from '../../sim/common/emulator';
import { FaultInjector } from '../../sim/common/faults';
import { json, type HttpAnswer, type HttpRequest } from '../../sim/common/http';
import { Lagged } from '../../sim/common/lagged';
import { TokenBucket } from '../../sim/common/token-bucket';
import {
  child,
  childrenNamed,
  childText,
  document,
  el,
  escapeXml,
  list,
  opt,
  parseXml,
  XmlParseError,
} from '../../sim/common/xml';

describe('TokenBucket', () => {
  it('allows a burst of `capacity`, then answers how long until the next token', () => {
    let t = 0;
    const b = new TokenBucket(3, 2, () => t);
    expect([b.take(), b.take(), b.take()]).toEqual([0, 0, 0]);
    expect(b.take()).toBe(500);
    t += 499;
    const wait = b.take();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(2); // about 1 ms, rounded up
    t += 1;
    expect(b.take()).toBe(0);
  });

  it('refills continuously but never beyond capacity', () => {
    let t = 0;
    const b = new TokenBucket(5, 5, () => t);
    for (let i = 0; i < 5; i++) b.take();
    t += 400;
    expect(b.available).toBeCloseTo(2);
    t += 60_000;
    expect(b.available).toBe(5);
  });

  it('drain() empties it; a bucket that never refills waits forever', () => {
    let t = 0;
    const b = new TokenBucket(10, 1, () => t);
    b.drain();
    expect(b.take()).toBe(1000);
    const never = new TokenBucket(1, 0, () => t);
    never.take();
    t += 1_000_000;
    expect(never.take()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('FaultInjector', () => {
  it('applies armed faults in order, per action, consuming their counts', () => {
    const f = new FaultInjector();
    f.arm({ kind: 'error', count: 2, action: 'A' });
    f.arm({ kind: 'hang', count: 1 });
    expect(f.next('B')?.kind).toBe('hang');
    expect(f.next('B')).toBeUndefined();
    expect(f.next('A')?.kind).toBe('error');
    expect(f.next('A')?.kind).toBe('error');
    expect(f.next('A')).toBeUndefined();
    expect(f.pending).toEqual([]);
  });

  it('refuses unknown kinds, bad counts and non-5xx statuses; clear() disarms', () => {
    const f = new FaultInjector();
    expect(() => f.arm({ kind: 'explode' as 'error', count: 1 })).toThrow(/unknown fault kind/);
    expect(() => f.arm({ kind: 'error', count: 0 })).toThrow(/positive integer/);
    expect(() => f.arm({ kind: 'error', count: 1, status: 404 })).toThrow(/5xx/);
    f.arm({ kind: 'throttle', count: 3 });
    f.clear();
    expect(f.next('A')).toBeUndefined();
  });
});

describe('Lagged', () => {
  it('shows writes only after the lag; current() is always the newest', () => {
    const v = new Lagged('a');
    v.set('b', 1000);
    v.set('c', 2000);
    expect(v.current()).toBe('c');
    expect(v.visible(1500, 1000)).toBe('a');
    expect(v.visible(2000, 1000)).toBe('b');
    expect(v.visible(3000, 1000)).toBe('c');
    expect(v.visible(2000, 0)).toBe('c');
  });

  it('forgets history older than a minute but keeps what can still be read', () => {
    const v = new Lagged(0, 0);
    for (let i = 1; i <= 200; i++) v.set(i, i * 1000);
    expect(v.visible(200_000, 59_000)).toBe(141);
    expect(v.visible(200_000, 0)).toBe(200);
  });
});

describe('CallLog', () => {
  it('counts by action, mutation and outcome', () => {
    const log = new CallLog();
    log.record({ at: 1, action: 'A', mutating: true, status: 200 });
    log.record({ at: 2, action: 'A', mutating: true, status: 400, error: 'X' });
    log.record({ at: 3, action: 'B', mutating: false, status: 200 });
    expect(log.count()).toBe(3);
    expect(log.count({ action: 'A', ok: true })).toBe(1);
    expect(log.count({ mutating: false })).toBe(1);
    log.clear();
    expect(log.count()).toBe(0);
  });
});

describe('xml', () => {
  it('escapes text and skips absent optional children', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
    const x = el(
      'r',
      el('a', 'x<y'),
      opt('b', undefined),
      opt('c', 0),
      list('set', ['1', '2'], 'item', (v) => v),
      el('empty'),
    );
    expect(x.text).toBe('<r><a>x&lt;y</a><c>0</c><set><item>1</item><item>2</item></set><empty/></r>');
    expect(document('Root', 'urn:x', el('k', true))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Root xmlns="urn:x"><k>true</k></Root>',
    );
  });

  it('parses what it builds, with entities, CDATA, comments and namespace prefixes', () => {
    const doc = `<?xml version="1.0"?>\n<!-- c --><ns:Root xmlns:ns="urn:x" a='1'><V>a &amp; b &#x41;&#66;</V><V><![CDATA[<raw>]]></V><Empty/></ns:Root>`;
    const root = parseXml(doc);
    expect(root.name).toBe('Root');
    expect(root.attrs).toEqual({ 'xmlns:ns': 'urn:x', a: '1' });
    expect(childrenNamed(root, 'V').map((v) => v.text)).toEqual(['a & b AB', '<raw>']);
    expect(child(root, 'Empty')?.children).toEqual([]);
    expect(childText(root, 'Missing')).toBeUndefined();
    const roundTrip = parseXml(el('T', 'x<&>"y\'').text);
    expect(roundTrip.text).toBe('x<&>"y\'');
  });

  it('refuses malformed documents and DOCTYPEs', () => {
    for (const bad of [
      '<a><b></a>',
      '<a>',
      '<a></a><b/>',
      '<!DOCTYPE x [<!ENTITY e "boom">]><a>&e;</a>',
      '<a>&nope;</a>',
      'text',
      '<a x=1/>',
    ]) {
      expect(() => parseXml(bad), bad).toThrow(XmlParseError);
    }
  });
});

class TinyEmulator extends Emulator {
  extra = { flavour: 'plain' };
  items: string[] = [];
  protected async serveApi(req: HttpRequest): Promise<HttpAnswer> {
    const fault = this.takeFault(req.path);
    if (fault) return json(503, { fault: fault.kind });
    this.items.push(req.path);
    this.checkInvariant();
    return json(200, { ok: true });
  }
  snapshot(): unknown {
    return { items: this.items };
  }
  violations(): string[] {
    return this.items.filter((i) => i === '/bad').map(() => 'bad item');
  }
  protected override applyExtraSettings(input: Record<string, unknown>): Record<string, unknown> {
    if ('flavour' in input) {
      if (typeof input.flavour !== 'string') throw new Error('flavour must be a string');
      this.extra.flavour = input.flavour;
    }
    return { ...this.extra };
  }
}

describe('Emulator admin endpoint', () => {
  let emu: TinyEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${emu!.url}${path}`, { method: 'POST', body: JSON.stringify(body) });

  it('serves state, faults per action, the invariant record and settings including emulator-specific ones', async () => {
    emu = new TinyEmulator();
    await emu.start(0);
    expect((await post('/__admin/faults', { kind: 'error', count: 1, action: '/x' })).status).toBe(200);
    expect((await fetch(`${emu.url}/y`)).status).toBe(200);
    expect((await fetch(`${emu.url}/x`)).status).toBe(503);
    expect((await fetch(`${emu.url}/x`)).status).toBe(200);
    expect(await (await fetch(`${emu.url}/__admin/state`)).json()).toEqual({ items: ['/y', '/x'] });
    await fetch(`${emu.url}/bad`);
    const inv = (await (await fetch(`${emu.url}/__admin/invariants`)).json()) as {
      ok: boolean;
      violations: Array<{ violation: string }>;
    };
    expect(inv.ok).toBe(false);
    expect(inv.violations.map((v) => v.violation)).toEqual(['bad item']);
    const settings = await post('/__admin/settings', { latencyMs: 1, flavour: 'spicy' });
    expect(await settings.json()).toEqual({ latencyMs: 1, consistencyLagMs: 0, throttling: true, flavour: 'spicy' });
  });

  it('refuses bad settings as a whole, and answers 404 for unknown admin routes', async () => {
    emu = new TinyEmulator();
    await emu.start(0);
    expect((await post('/__admin/settings', { latencyMs: 7, flavour: 3 })).status).toBe(400);
    expect(emu.settings.latencyMs).toBe(0);
    expect((await post('/__admin/settings', { latencyMs: -1 })).status).toBe(400);
    expect((await fetch(`${emu.url}/__admin/nothing`)).status).toBe(404);
  });
});
