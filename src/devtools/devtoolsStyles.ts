/**
 * The devtools' own CSS, rendered by the panel as a <style> element: hover
 * and focus states, sticky table headers and scrollbars cannot be inline
 * styles; a <style> in the tree needs no CSS support from the app's bundler,
 * renders on a server, and goes with the panel. Every class starts with
 * `rxd-dt`, so nothing leaks into the app.
 */
export const DEVTOOLS_CSS = `
.rxd-dt {
  --dt-bg: #0f172a; --dt-bg2: #111c33; --dt-line: #1f2b45; --dt-text: #dbe4f0; --dt-dim: #8595ad;
  --dt-accent: #38bdf8; --dt-ok: #4ade80; --dt-bad: #f87171; --dt-warn: #fbbf24; --dt-caps: #c4b5fd; --dt-us: #f9a8d4;
  box-sizing: border-box; display: flex; flex-direction: column; color: var(--dt-text); background: var(--dt-bg); container-type: inline-size;
  font: 12px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; text-align: left;
}
.rxd-dt *, .rxd-dt *::before, .rxd-dt *::after { box-sizing: border-box; }
.rxd-dt[data-position="fixed"] { position: fixed; left: 0; right: 0; bottom: 0; height: min(45vh, 420px); z-index: 2147483000;
  border-top: 1px solid var(--dt-line); box-shadow: 0 -8px 24px rgb(0 0 0 / 0.25); }
.rxd-dt[data-position="inline"] { border-radius: 10px; border: 1px solid var(--dt-line); overflow: hidden; height: 100%; min-height: 0; }
.rxd-dt[data-open="false"] { height: auto; min-height: 0; }
.rxd-dt-mono, .rxd-dt code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11.5px; }
.rxd-dt code { background: none; color: inherit; padding: 0; border-radius: 0; }
.rxd-dt ul, .rxd-dt li { margin: 0; }
.rxd-dt-table td { overflow-wrap: anywhere; }
.rxd-dt-table td.rxd-dt-entity { overflow-wrap: normal; white-space: nowrap; }
.rxd-dt-table td.rxd-dt-detail { min-width: 24ch; }
/* Narrow (a sidebar, a docs page): the clock goes first, and JIDs may wrap. */
@container (max-width: 900px) {
  .rxd-dt-table .rxd-dt-time { display: none; }
  .rxd-dt-table td.rxd-dt-entity { white-space: normal; overflow-wrap: anywhere; min-width: 16ch; }
}
.rxd-dt-bar { display: flex; align-items: center; gap: 10px; padding: 6px 10px; background: var(--dt-bg2); border-bottom: 1px solid var(--dt-line); flex-wrap: wrap; }
.rxd-dt[data-open="false"] .rxd-dt-bar { border-bottom: 0; }
.rxd-dt-logo { font-weight: 700; letter-spacing: 0.02em; display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.rxd-dt-logo b { color: var(--dt-accent); font-weight: 700; }
.rxd-dt-account { color: var(--dt-dim); display: flex; align-items: center; gap: 6px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 32ch; }
.rxd-dt-dot { width: 8px; height: 8px; border-radius: 50%; background: var(--dt-dim); flex: none; }
.rxd-dt-dot[data-status="online"] { background: var(--dt-ok); box-shadow: 0 0 0 3px rgb(74 222 128 / 0.18); }
.rxd-dt-dot[data-status="connecting"], .rxd-dt-dot[data-status="reconnecting"] { background: var(--dt-warn); }
.rxd-dt-dot[data-status="offline"] { background: var(--dt-bad); }
.rxd-dt-tabs { display: flex; gap: 2px; }
.rxd-dt-tab { appearance: none; border: 0; background: transparent; color: var(--dt-dim); padding: 4px 10px; border-radius: 6px; cursor: pointer; font: inherit; }
.rxd-dt-tab:hover { color: var(--dt-text); background: rgb(255 255 255 / 0.05); }
.rxd-dt-tab[aria-selected="true"] { color: var(--dt-text); background: rgb(56 189 248 / 0.16); }
.rxd-dt-count { margin-left: 5px; padding: 0 5px; border-radius: 8px; background: rgb(255 255 255 / 0.08); font-size: 10.5px; }
.rxd-dt-spacer { flex: 1; }
.rxd-dt-input { background: var(--dt-bg); color: var(--dt-text); border: 1px solid var(--dt-line); border-radius: 6px; padding: 3px 8px; font: inherit; width: 18ch; }
.rxd-dt-input::placeholder { color: var(--dt-dim); }
.rxd-dt-button { appearance: none; font: inherit; color: var(--dt-text); background: rgb(255 255 255 / 0.06); border: 1px solid var(--dt-line);
  border-radius: 6px; padding: 3px 9px; cursor: pointer; white-space: nowrap; }
.rxd-dt-button:hover { background: rgb(255 255 255 / 0.12); }
.rxd-dt-button[data-tone="danger"]:hover { background: rgb(248 113 113 / 0.2); border-color: rgb(248 113 113 / 0.5); }
.rxd-dt-button:focus-visible, .rxd-dt-tab:focus-visible, .rxd-dt-input:focus-visible, .rxd-dt-launcher:focus-visible { outline: 2px solid var(--dt-accent); outline-offset: 1px; }
.rxd-dt-body { flex: 1; min-height: 0; overflow: auto; }
.rxd-dt-body::-webkit-scrollbar { width: 10px; height: 10px; }
.rxd-dt-body::-webkit-scrollbar-thumb { background: var(--dt-line); border-radius: 5px; }
.rxd-dt-table { width: 100%; border-collapse: collapse; }
.rxd-dt-table th { position: sticky; top: 0; background: var(--dt-bg); color: var(--dt-dim); font-weight: 500; text-transform: uppercase;
  font-size: 10px; letter-spacing: 0.06em; padding: 6px 10px; border-bottom: 1px solid var(--dt-line); z-index: 1; }
.rxd-dt-table td { padding: 4px 10px; border-bottom: 1px solid rgb(31 43 69 / 0.6); vertical-align: top; }
.rxd-dt-table tbody tr:hover td { background: rgb(255 255 255 / 0.03); }
.rxd-dt-time { color: var(--dt-dim); white-space: nowrap; width: 1%; }
.rxd-dt-event { white-space: nowrap; width: 1%; font-weight: 600; }
.rxd-dt-event[data-tone="request"] { color: var(--dt-accent); }
.rxd-dt-event[data-tone="served"] { color: var(--dt-ok); }
.rxd-dt-event[data-tone="caps"] { color: var(--dt-caps); }
.rxd-dt-event[data-tone="bad"] { color: var(--dt-bad); }
.rxd-dt-event[data-tone="us"] { color: var(--dt-us); }
.rxd-dt-event[data-tone="action"] { color: var(--dt-warn); }
.rxd-dt-dim { color: var(--dt-dim); }
.rxd-dt-result { white-space: nowrap; width: 1%; text-align: right; }
.rxd-dt-pill { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 11px; white-space: nowrap; background: rgb(255 255 255 / 0.07); color: var(--dt-dim); }
.rxd-dt-pill[data-tone="ok"] { background: rgb(74 222 128 / 0.14); color: var(--dt-ok); }
.rxd-dt-pill[data-tone="bad"] { background: rgb(248 113 113 / 0.15); color: var(--dt-bad); }
.rxd-dt-pill[data-tone="warn"] { background: rgb(251 191 36 / 0.14); color: var(--dt-warn); }
.rxd-dt-pill[data-tone="caps"] { background: rgb(196 181 253 / 0.14); color: var(--dt-caps); }
.rxd-dt-pill[data-tone="info"] { background: rgb(56 189 248 / 0.14); color: var(--dt-accent); }
.rxd-dt-section { padding: 10px 12px 4px; display: flex; align-items: baseline; gap: 8px; color: var(--dt-dim); text-transform: uppercase; font-size: 10.5px; letter-spacing: 0.06em; }
.rxd-dt-section h3 { margin: 0; font-size: 11px; color: var(--dt-text); letter-spacing: 0.06em; }
.rxd-dt-empty { padding: 18px 12px; color: var(--dt-dim); }
.rxd-dt-chips { display: flex; flex-wrap: wrap; gap: 4px; }
.rxd-dt-chip { padding: 1px 7px; border-radius: 4px; background: rgb(255 255 255 / 0.06); white-space: nowrap; }
.rxd-dt-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 16px; }
.rxd-dt-list { margin: 0; padding: 2px 12px 10px; list-style: none; }
.rxd-dt-list li { padding: 2px 0; border-bottom: 1px dashed rgb(31 43 69 / 0.8); overflow-wrap: anywhere; }
.rxd-dt-actions { white-space: nowrap; width: 1%; text-align: right; }
.rxd-dt-actions .rxd-dt-button { padding: 1px 7px; font-size: 11px; margin-left: 4px; }
.rxd-dt-launcher { position: fixed; right: 14px; bottom: 14px; z-index: 2147483000; appearance: none; border: 1px solid #1f2b45; border-radius: 999px;
  background: #0f172a; color: #dbe4f0; padding: 7px 12px; font: 600 12px/1 system-ui, sans-serif; cursor: pointer; box-shadow: 0 6px 18px rgb(0 0 0 / 0.3);
  display: flex; align-items: center; gap: 6px; }
.rxd-dt-launcher b { color: #38bdf8; }
`
