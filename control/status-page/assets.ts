/**
 * The status page's markup and style: static, free of data (the script fetches that with the
 * token), so they are served without authentication and cannot leak anything. No inline script or
 * style anywhere: the CSP below allows only what this origin serves.
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>ipferry status</title>
<link rel="stylesheet" href="/status/page.css">
<script src="/status/page.js" defer></script>
</head>
<body>
<header>
<h1 id="cluster">ipferry</h1>
<p id="summary"></p>
<p id="state" role="status">loading…</p>
</header>
<form id="login" hidden autocomplete="off">
<label>API token <input id="token" type="password" autocomplete="off" spellcheck="false"></label>
<button type="submit">Open</button>
<p class="hint">Kept in this tab only (sessionStorage) and sent as a bearer header.</p>
</form>
<main id="data" hidden>
<section>
<h2>Nodes</h2>
<table><thead><tr><th>Node</th><th>State</th><th>Draining</th><th>Checks</th><th>Held</th></tr></thead><tbody id="nodes"></tbody></table>
</section>
<section>
<h2>VIPs</h2>
<table><thead><tr><th>VIP</th><th>Kind</th><th>Owner</th><th>Epoch</th><th>Since</th><th>Bound</th><th>Reason</th><th>Detail</th></tr></thead><tbody id="vips"></tbody></table>
</section>
<section>
<h2>Diagnostics</h2>
<p id="no-diagnostics">None.</p>
<table><tbody id="diagnostics"></tbody></table>
</section>
<section>
<h2>Recent failovers</h2>
<p id="scale"></p>
<div id="failovers"></div>
<p class="keys"><span class="key key-detect">detect</span><span class="key key-decide">decide</span><span class="key key-api">provider API</span><span class="key key-accepted">accepted (Route 53)</span><span class="key key-verified">verified</span><span class="key key-bound">bound</span></p>
</section>
<section>
<h2>Events</h2>
<table><thead><tr><th>When</th><th>Kind</th><th>VIP</th><th>Detail</th></tr></thead><tbody id="events"></tbody></table>
</section>
</main>
</body>
</html>
`;

export const PAGE_CSS = `:root { --fg: #1d232a; --muted: #5b6570; --line: #d8dde3; --ok: #1f7a3a; --bad: #b3261e; --warn: #9a6700;
  --detect: #8c6bb1; --decide: #3f7fbf; --api: #e08a1e; --accepted: #b8860b; --verified: #1f7a3a; --bound: #0f5257; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 16px 24px; font: 14px/1.4 system-ui, sans-serif; color: var(--fg); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
#summary, .hint, #scale { color: var(--muted); margin: 0 0 4px; }
#state { margin: 0; font-size: 12px; }
#state.ok { color: var(--ok); }
#state.stale { color: var(--bad); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
.state-alive, .check.ok, .owner-alive { color: var(--ok); }
.state-dead, .check.fail, .owner-dead, .owner-unknown { color: var(--bad); font-weight: 600; }
.state-leaving, .state-unknown, .owner-leaving { color: var(--warn); }
.check { margin-right: 8px; }
.failover { margin: 8px 0 14px; }
.failover-head { margin-bottom: 4px; }
.track { position: relative; height: 14px; background: #f1f3f5; border-radius: 3px; }
.seg { position: absolute; top: 0; height: 14px; min-width: 2px; }
.seg.point { width: 3px !important; margin-left: -1px; top: -3px; height: 20px; }
.seg-detect, .key-detect::before { background: var(--detect); }
.seg-decide, .key-decide::before { background: var(--decide); }
.seg-api, .key-api::before { background: var(--api); }
.seg-accepted, .key-accepted::before { background: var(--accepted); }
.seg-verified, .key-verified::before { background: var(--verified); }
.seg-bound, .key-bound::before { background: var(--bound); }
.legend, .keys { font-size: 12px; color: var(--muted); margin-top: 3px; }
.key { margin-right: 12px; white-space: nowrap; }
.key::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
form { margin: 24px 0; }
input { font: inherit; padding: 4px 6px; width: 28em; max-width: 100%; }
button { font: inherit; padding: 4px 12px; }
`;
