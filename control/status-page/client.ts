/**
 * The status page's script, for the browser (bundled by scripts/build-status-page.ts into
 * client-bundle.ts, which the servers send as /status/page.js). It asks the JSON API every
 * POLL_MS for the status and the latest events and draws them through the view model.
 *
 * Everything from the API is put into the DOM with textContent and setAttribute only — never as
 * markup — and the page's CSP (require-trusted-types-for 'script') makes any HTML sink throw,
 * so a node or a hook's output named `<img onerror=…>` stays text.
 *
 * The API token (control.apiToken) is asked for once and kept in sessionStorage: this tab only,
 * gone with it, and sent as a bearer header, which a browser never attaches by itself (so another
 * site cannot make this browser drain a node, as it could with cookies or HTTP Basic).
 */
import { pageView, type FailoverRow, type PageView } from './view-model';

// The few DOM parts this script uses, declared here so the project keeps Node's types only.
interface El {
  textContent: string | null;
  hidden: boolean;
  className: string;
  value: string;
  style: { left: string; width: string };
  setAttribute(name: string, value: string): void;
  append(...children: Array<El | string>): void;
  replaceChildren(...children: El[]): void;
  addEventListener(type: string, fn: (e: { preventDefault(): void }) => void): void;
  focus(): void;
}
declare const document: { getElementById(id: string): El | null; createElement(tag: string): El };
declare const sessionStorage: {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
};
declare const location: { hash: string; pathname: string; search: string };
declare const history: { replaceState(data: null, unused: string, url: string): void };

const POLL_MS = 1500;
const TOKEN_KEY = 'ipferry.apiToken';

function byId(id: string): El {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e;
}

function el(tag: string, className: string, ...children: Array<El | string>): El {
  const e = document.createElement(tag);
  if (className) e.className = className;
  e.append(...children);
  return e;
}

function cells(tag: 'td', values: Array<El | string>, attrs: Record<string, string> = {}): El {
  const tr = el('tr', '');
  for (const [k, v] of Object.entries(attrs)) tr.setAttribute(k, v);
  for (const v of values) tr.append(el(tag, '', v));
  return tr;
}

function timeline(f: FailoverRow): El {
  const track = el('div', 'track');
  for (const s of f.segments) {
    const bar = el('span', `seg seg-${s.step}${s.widthPct === 0 ? ' point' : ''}`);
    // CSSOM, not a style attribute: CSP allows it without 'unsafe-inline'.
    bar.style.left = `${s.startPct}%`;
    bar.style.width = `${s.widthPct}%`;
    bar.setAttribute('title', s.label);
    bar.setAttribute('data-step', s.step);
    track.append(bar);
  }
  const legend = el('div', 'legend', ...f.segments.map((s) => el('span', `key key-${s.step}`, s.label)));
  return el('div', '', track, legend);
}

function render(v: PageView): void {
  byId('cluster').textContent = v.cluster ? `ipferry · ${v.cluster}` : 'ipferry';
  byId('summary').textContent = v.summary;
  byId('nodes').replaceChildren(
    ...v.nodes.map((n) =>
      cells(
        'td',
        [
          n.id,
          el('span', `state state-${n.state}`, n.seen),
          n.draining ? 'yes' : '-',
          el(
            'span',
            '',
            ...n.checks.map((c) => el('span', c.ok ? 'check ok' : 'check fail', `${c.name} ${c.ok ? 'ok' : 'FAIL'}`)),
          ),
          n.held,
        ],
        { 'data-node': n.id, 'data-state': n.state },
      ),
    ),
  );
  byId('vips').replaceChildren(
    ...v.vips.map((x) =>
      cells(
        'td',
        [
          x.vip,
          x.kind,
          el('span', `owner owner-${x.ownerState}`, x.owner),
          x.epoch,
          x.since,
          x.bound,
          x.reason,
          x.detail,
        ],
        { 'data-vip': x.vip, 'data-owner': x.owner, 'data-epoch': x.epoch },
      ),
    ),
  );
  byId('diagnostics').replaceChildren(...v.diagnostics.map((d) => cells('td', [d.kind, d.concerns, d.message])));
  byId('no-diagnostics').hidden = v.diagnostics.length > 0;
  byId('scale').textContent =
    v.failovers.length > 0
      ? `The bars share one scale: the full width is ${v.scale} after the old owner's last heartbeat (or, with none, the detection).`
      : 'No failovers yet.';
  byId('failovers').replaceChildren(
    ...v.failovers.map((f) => {
      const head = el(
        'div',
        'failover-head',
        el('strong', '', f.vip),
        ` ${f.from} → ${f.to}, epoch ${f.epoch}, ${f.reason}, ${f.when}`,
        f.outcome ? `, ${f.outcome}` : '',
        f.total === '-' ? '' : ` — ${f.total}`,
      );
      const row = el('div', 'failover', head, timeline(f));
      row.setAttribute('data-vip', f.vip);
      row.setAttribute('data-event', f.id);
      return row;
    }),
  );
  byId('events').replaceChildren(
    ...v.events.map((e) => cells('td', [e.when, e.kind, e.vip, e.detail], { 'data-event': e.id })),
  );
}

type Fetched = { ok: true; body: unknown } | { ok: false; status: number; message: string };

async function getJson(path: string, token: string | null): Promise<Fetched> {
  const res = await fetch(path, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(5000),
  });
  const body: unknown = await res.json().catch(() => undefined);
  if (res.ok) return { ok: true, body };
  const err = typeof body === 'object' && body !== null ? (body as { error?: { message?: unknown } }).error : undefined;
  return {
    ok: false,
    status: res.status,
    message: typeof err?.message === 'string' ? err.message : `HTTP ${res.status}`,
  };
}

function showLogin(message: string): void {
  byId('data').hidden = true;
  byId('login').hidden = false;
  byId('state').textContent = message;
  byId('token').focus();
}

let timer: ReturnType<typeof setTimeout> | undefined;

async function poll(): Promise<void> {
  clearTimeout(timer);
  const token = sessionStorage.getItem(TOKEN_KEY);
  try {
    const [status, events] = await Promise.all([getJson('/v1/status', token), getJson('/v1/events?limit=20', token)]);
    if (!status.ok && status.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      // Stop polling until a token is given: a wrong one would only be refused again.
      return showLogin(
        token ? 'That token was refused. API token:' : 'This control plane needs its API token (control.apiToken).',
      );
    }
    if (!status.ok) throw new Error(`status: ${status.message}`);
    render(pageView(status.body, events.ok ? events.body : undefined));
    byId('login').hidden = true;
    byId('data').hidden = false;
    byId('state').textContent = events.ok ? 'live' : `live (events: ${events.message})`;
    byId('state').className = 'ok';
  } catch (err) {
    // Keep the last picture, say it is stale and why, and keep trying.
    byId('state').textContent = `not updating: ${err instanceof Error ? err.message : String(err)}`;
    byId('state').className = 'stale';
  }
  timer = setTimeout(() => void poll(), POLL_MS);
}

// `ipferry page` hands its proxy's token over in the fragment (never sent, never in a Referer):
// keep it like a typed one and take it out of the address bar and the history.
const handed = /^#token=([A-Za-z0-9_-]{16,128})$/.exec(location.hash);
if (handed) {
  sessionStorage.setItem(TOKEN_KEY, handed[1]!);
  history.replaceState(null, '', location.pathname + location.search);
}

byId('login').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = byId('token');
  if (input.value) sessionStorage.setItem(TOKEN_KEY, input.value);
  input.value = '';
  void poll();
});
void poll();
