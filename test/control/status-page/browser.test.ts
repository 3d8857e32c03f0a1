import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { BareMetalProvider } from '../../../adapters/bare-metal';
import { MemoryStore } from '../../../adapters/memory-store';
import type { Config } from '../../../core/config';
import { startLocalControlPlane, type LocalControlPlane } from '../../../control/local-server';
import { memoryLog } from '../../../lib/log';
import { PAGE_CSP } from '../../../control/status-page/serve';
import { apiClient } from '../../../cli/api-client';
import { startStatusProxy } from '../../../cli/status-proxy';
import { launchChromium } from '../../../scripts/screenshot-browser';
import { lanCluster, signer } from '../helpers/clusters';
import { TestAgent } from '../helpers/test-agent';

// A real headless Chromium (Debian's, through puppeteer-core) against a real local control plane.
// Without Chromium this fails in beforeAll with one line saying where it looked: it never skips.

// The callbacks given to evaluate/waitForFunction run in the page; the project compiles with Node's
// types only, so the little of the DOM they touch is declared here.
interface PageEl {
  textContent: string | null;
  hidden: boolean;
  style: { left: string };
  getAttribute(name: string): string | null;
  querySelectorAll(sel: string): ArrayLike<PageEl> & Iterable<PageEl>;
  insertAdjacentHTML(where: string, html: string): void;
}
declare const document: {
  querySelector(sel: string): PageEl | null;
  querySelectorAll(sel: string): ArrayLike<PageEl>;
  getElementById(id: string): PageEl | null;
  body: PageEl;
  cookie: string;
};
declare const sessionStorage: { getItem(k: string): string | null };
declare const location: { search: string; hash: string };
declare const window: unknown;

const TOKEN = 'browser-token-0123456789abcdef';
// Chromium shares two cores with the rest of the suite: timers slow enough that a busy moment is not a death.
const LOADED = { heartbeatInterval: 200, deadAfter: 1500, preemptDelay: 60_000 };
const WAIT = { timeout: 15_000, polling: 100 };
let browser: Browser;
let cp: LocalControlPlane | undefined;
let page: Page | undefined;
const agents: TestAgent[] = [];

beforeAll(async () => {
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  for (const a of agents.splice(0)) a.stop();
  await page?.close();
  page = undefined;
  await cp?.close();
  cp = undefined;
});

async function start(config: Config, store = new MemoryStore()): Promise<LocalControlPlane> {
  cp = await startLocalControlPlane({
    config,
    store,
    log: memoryLog(),
    listen: '127.0.0.1:0',
    providers: [new BareMetalProvider()],
    reconcileEveryMs: 3_600_000,
  });
  return cp;
}

/** Opens the page, checks the answer's headers, and records dialogs and page errors. */
async function open(url: string): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  page = await browser.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e instanceof Error ? e.message : String(e)));
  const res = await page.goto(`${url}/status`, { waitUntil: 'load', timeout: 30_000 });
  expect(res?.status()).toBe(200);
  expect(res?.headers()).toMatchObject({
    'content-security-policy': PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  return { page, dialogs, errors };
}

async function login(p: Page, token: string): Promise<void> {
  await p.waitForSelector('#login:not([hidden])', WAIT);
  await p.type('#token', token);
  await p.click('#login button');
}

const rows = (p: Page, sel: string) =>
  p.$$eval(sel, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));

describe('status page in Chromium', () => {
  it('asks for the token and shows no data without it; then nodes, VIPs and a failover timeline, live', async () => {
    const config = lanCluster({ control: { mode: 'local', liveness: 'direct', apiToken: TOKEN }, timers: LOADED });
    const { url } = await start(config);
    for (const n of ['n1', 'n2', 'n3'])
      agents.push(new TestAgent(n, { config, signer: signer(), url: () => `${url}/v1/heartbeat` }).start(100));

    const { page: p, errors } = await open(url);
    // No token: the login form, no data in the DOM, and a wrong token changes nothing.
    await login(p, 'wrong-token-0123456789abcdef');
    await p.waitForFunction(() => document.getElementById('state')?.textContent?.includes('refused'), WAIT);
    expect(await p.$eval('#data', (e) => (e as PageEl).hidden)).toBe(true);
    expect(await p.$$eval('#nodes tr, #vips tr, .failover', (e) => e.length)).toBe(0);
    expect(await p.evaluate(() => document.body.textContent ?? '')).not.toMatch(/\bn[123]\b|smtp/);

    await login(p, TOKEN);
    await p.waitForFunction(() => document.querySelector('#vips tr[data-owner="n1"]'), WAIT);
    expect(
      await p.$$eval('#nodes tr', (trs) => trs.map((t) => [t.getAttribute('data-node'), t.getAttribute('data-state')])),
    ).toEqual([
      ['n1', 'alive'],
      ['n2', 'alive'],
      ['n3', 'alive'],
    ]);
    expect((await rows(p, '#nodes tr'))[0]![1]).toMatch(/^alive \(seen \d+ ms ago\)$/);
    await p.waitForFunction(
      () => document.querySelector('#vips tr[data-vip="smtp"] td:nth-child(6)')?.textContent === 'yes',
      WAIT,
    );
    const before = (await rows(p, '#vips tr'))[0]!;
    expect(before.slice(0, 6)).toEqual([
      'smtp',
      'lan',
      'n1',
      expect.stringMatching(/^\d+$/),
      expect.stringMatching(/ago$/),
      'yes',
    ]);
    const epoch = Number(before[3]);
    expect(await p.$eval('h1', (e) => e.textContent)).toBe('ipferry · mail');
    // The token lives in this tab's sessionStorage, never in a cookie or the URL.
    expect(
      await p.evaluate(() => [sessionStorage.getItem('ipferry.apiToken'), document.cookie, location.search]),
    ).toEqual([TOKEN, '', '']);

    // The owner dies: within a few refreshes (1.5 s each) the page shows it dead, the VIP moved and the failover drawn.
    agents[0]!.stop();
    await p.waitForFunction(
      (e) =>
        document.querySelector('#nodes tr[data-node="n1"]')?.getAttribute('data-state') === 'dead' &&
        document.querySelector('#vips tr[data-vip="smtp"]')?.getAttribute('data-epoch') === String(e + 1),
      WAIT,
      epoch,
    );
    const moved = (await rows(p, '#vips tr'))[0]!;
    expect(['n2', 'n3']).toContain(moved[2]);
    expect((await rows(p, '#nodes tr'))[0]![1]).toMatch(/^dead \(last seen [\d.]+ (ms|s) ago\)$/);
    await p.waitForFunction(
      () => document.querySelector('#failovers > .failover:first-child[data-vip="smtp"] .seg-bound'),
      WAIT,
    );
    const steps = await p.$$eval('#failovers > .failover:first-child[data-vip="smtp"] .seg', (segs) =>
      segs.map((s) => ({
        step: s.getAttribute('data-step'),
        left: parseFloat((s as PageEl).style.left),
        title: s.getAttribute('title'),
      })),
    );
    expect(steps.map((s) => s.step)).toEqual(expect.arrayContaining(['detect', 'decide', 'bound']));
    // Drawn to scale: each step starts no earlier than the one before it, the last one at the right end.
    const lefts = steps.map((s) => s.left);
    expect(lefts).toEqual([...lefts].sort((a, b) => a - b));
    expect(steps.find((s) => s.step === 'detect')!.title).toMatch(/^detect [\d.]+ (ms|s)$/);
    const head = new RegExp(
      `^smtp n1 → ${moved[2]}, epoch ${epoch + 1}, owner-dead, [\\d.]+ (ms|s) ago(, [^—]+)? — [\\d.]+ (ms|s)$`,
    );
    expect(
      await p.$eval('#failovers > .failover:first-child[data-vip="smtp"] .failover-head', (e) => e.textContent),
    ).toMatch(head);
    expect(await p.$eval('#state', (e) => e.textContent)).toBe('live');

    // A reload keeps the token (same tab): no second login.
    await p.reload({ waitUntil: 'load' });
    await p.waitForFunction(() => document.querySelectorAll('#nodes tr').length === 3, WAIT);
    expect(await p.$eval('#login', (e) => (e as PageEl).hidden)).toBe(true);
    expect(errors).toEqual([]);
  }, 90_000);

  it('shows hostile names and details as text: no element is made from them and no script runs', async () => {
    const HOSTILE = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script>\u001b[2J&amp;';
    const base = lanCluster({ control: { mode: 'local', liveness: 'direct', apiToken: TOKEN } });
    // The config schema refuses such names; the page must not rely on that, so the config here is edited after it.
    const config: Config = {
      ...base,
      nodes: base.nodes.map((n, i) => (i === 0 ? { ...n, id: HOSTILE } : n)),
      vips: base.vips.map((v) => ({ ...v, name: `smtp${HOSTILE}` })),
    };
    const store = new MemoryStore();
    const at = Date.now() - 1000;
    await store.appendEvents(config.cluster, [
      {
        id: `${String(at).padStart(15, '0')}#x`,
        at,
        kind: 'move',
        vip: HOSTILE,
        from: HOSTILE,
        to: 'n2',
        epoch: 3,
        reason: 'owner-dead',
        detail: HOSTILE,
        timeline: { lastHeartbeat: at - 400, detected: at - 100, decided: at, bound: at + 50 },
        outcome: { ok: false, reason: 'invalid', message: HOSTILE, calls: 1 },
      },
      { id: `${String(at + 1).padStart(15, '0')}#h`, at: at + 1, kind: 'hook-failure', detail: `hook said ${HOSTILE}` },
    ]);
    const { url } = await start(config, store);
    const { page: p, dialogs, errors } = await open(url);
    await login(p, TOKEN);
    await p.waitForFunction(
      () => document.querySelectorAll('.failover').length === 1 && document.querySelectorAll('#events tr').length === 2,
      WAIT,
    );
    const shown = await p.evaluate(() => ({
      node: document.querySelector('#nodes tr td')?.textContent,
      vip: document.querySelector('#vips tr td')?.textContent,
      event: document.querySelector('#events tr td:nth-child(4)')?.textContent,
      failover: document.querySelector('.failover-head')?.textContent,
      diagnostics: document.getElementById('diagnostics')?.textContent,
      made: document.querySelectorAll('img, script:not([src]), main *[onerror]').length,
      pwned: (window as unknown as { __pwned?: number }).__pwned,
    }));
    expect(shown).toMatchObject({ node: HOSTILE, vip: `smtp${HOSTILE}`, event: `hook said ${HOSTILE}`, made: 0 });
    expect(shown.pwned).toBeUndefined();
    expect(shown.failover).toContain(`${HOSTILE} ${HOSTILE} → n2`);
    expect(shown.diagnostics).toContain(HOSTILE);
    // Even a script of ours could not write markup: Trusted Types refuse every HTML sink.
    const sink = await p.evaluate(() => {
      try {
        document.body.insertAdjacentHTML('beforeend', '<i id="sink">x</i>');
        return 'written';
      } catch (e) {
        return (e as Error).name;
      }
    });
    expect(sink).toBe('TypeError');
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);

  it("through ipferry page's proxy: the token comes in the fragment, is kept, and leaves the address bar", async () => {
    const config = lanCluster({ control: { mode: 'local', liveness: 'direct', apiToken: TOKEN }, timers: LOADED });
    const { url } = await start(config);
    const proxy = await startStatusProxy({ client: apiClient({ url, token: TOKEN }) });
    try {
      page = await browser.newPage();
      await page.goto(proxy.pageUrl, { waitUntil: 'load', timeout: 30_000 });
      await page.waitForFunction(() => document.querySelectorAll('#nodes tr').length === 3, WAIT);
      const token = /#token=(.+)$/.exec(proxy.pageUrl)![1];
      expect(
        await page.evaluate(() => [
          location.hash,
          sessionStorage.getItem('ipferry.apiToken'),
          document.getElementById('login')?.hidden,
        ]),
      ).toEqual(['', token, true]);
    } finally {
      await proxy.close();
    }
  }, 90_000);
});
