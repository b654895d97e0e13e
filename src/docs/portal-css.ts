// The portal's one stylesheet, written to site/assets/portal.css. System fonts only: the portal
// must never load anything from the network.
export const portalCss = `
:root {
  --bg: #f6f7fb; --surface: #ffffff; --ink: #1b2333; --muted: #5b6478; --line: #e3e7ef;
  --brand: #4f46e5; --brand-soft: #eef0ff; --accent: #0e9f6e; --warn: #b45309; --danger: #c2410c;
  --code-bg: #0f172a; --code-ink: #e2e8f0;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0; font-family: var(--sans); color: var(--ink); background: var(--bg); line-height: 1.6; }
a { color: var(--brand); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: var(--mono); font-size: 0.88em; }
:not(pre) > code { background: var(--brand-soft); color: #3730a3; padding: 0.1em 0.35em; border-radius: 4px; }

.topbar { position: sticky; top: 0; z-index: 10; display: flex; align-items: center; gap: 14px; height: 56px;
  padding: 0 24px; background: #111827; color: #f9fafb; box-shadow: 0 1px 0 rgba(0,0,0,.2); }
.brand { display: flex; align-items: center; gap: 10px; color: #fff; font-weight: 700; font-size: 1.1rem; letter-spacing: .01em; }
.brand:hover { text-decoration: none; }
.logo { display: inline-grid; place-items: center; width: 30px; height: 30px; border-radius: 8px;
  background: linear-gradient(135deg, #6366f1, #22c55e); color: #fff; font-weight: 800; }
.contract-name { color: #cbd5e1; padding-left: 14px; border-left: 1px solid #374151; }
.topnav { margin-left: auto; display: flex; gap: 4px; }
.topnav a { color: #d1d5db; padding: 6px 12px; border-radius: 6px; font-size: .93rem; }
.topnav a:hover { background: #1f2937; color: #fff; text-decoration: none; }

.shell { display: grid; grid-template-columns: 250px minmax(0, 1fr); min-height: calc(100vh - 56px); }
.sidebar { position: sticky; top: 56px; align-self: start; height: calc(100vh - 56px); overflow-y: auto;
  padding: 22px 14px; background: var(--surface); border-right: 1px solid var(--line); }
.nav-section h2 { margin: 0 0 6px 10px; font-size: .72rem; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); }
.nav-section + .nav-section { margin-top: 20px; }
.nav-section ul { list-style: none; margin: 0; padding: 0; }
.nav-section a { display: block; padding: 5px 10px; border-radius: 6px; color: var(--ink); font-size: .93rem;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.nav-section a:hover { background: var(--bg); text-decoration: none; }
.nav-section a.active { background: var(--brand-soft); color: var(--brand); font-weight: 600; }

.content { padding: 32px 44px 64px; max-width: 1180px; }
.content h1 { font-size: 2rem; line-height: 1.25; margin: 0 0 6px; letter-spacing: -.01em; }
.content h2 { font-size: 1.3rem; margin: 36px 0 12px; }
.content h3 { font-size: 1.05rem; margin: 22px 0 8px; }
.lead { color: var(--muted); font-size: 1.08rem; margin: 0 0 24px; max-width: 760px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: .75rem; font-weight: 700; color: var(--brand); margin: 0 0 6px; }

.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 16px; margin: 16px 0; }
.card { display: block; background: var(--surface); border: 1px solid var(--line); border-radius: 12px; padding: 18px 20px;
  color: var(--ink); box-shadow: 0 1px 2px rgba(16,24,40,.04); transition: border-color .15s, box-shadow .15s, transform .15s; }
a.card:hover { border-color: #c7cbf5; box-shadow: 0 6px 18px rgba(79,70,229,.10); transform: translateY(-1px); text-decoration: none; }
.card h3 { margin: 0 0 6px; font-size: 1.05rem; }
.cards.four { grid-template-columns: repeat(4, minmax(0, 1fr)); }
.card.accent { border-top: 3px solid var(--accent); }
.kicker { display: block; font-size: .72rem; font-weight: 700; letter-spacing: .08em; text-transform: uppercase; color: var(--accent); margin-bottom: 4px; }
a.graph-preview { display: block; max-height: 420px; overflow: hidden; }
a.graph-preview svg { max-height: 390px; }
a.graph-preview:hover { border-color: #c7cbf5; box-shadow: 0 6px 18px rgba(79,70,229,.10); }
.card p { margin: 0; color: var(--muted); font-size: .93rem; }
.card .meta { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 6px; }
.card .badge { white-space: normal; border-radius: 6px; }
.stats { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 16px; margin: 8px 0 8px; }
.stat { background: var(--surface); border: 1px solid var(--line); border-radius: 12px; padding: 14px 18px; }
.stat b { display: block; font-size: 1.7rem; line-height: 1.2; }
.stat span { color: var(--muted); font-size: .85rem; }

.panel { background: var(--surface); border: 1px solid var(--line); border-radius: 12px; padding: 20px 22px; margin: 16px 0; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: .76rem; font-weight: 600;
  background: var(--brand-soft); color: var(--brand); white-space: nowrap; }
.badge-version { background: #1f2937; color: #a5b4fc; }
.badge-send { background: #dcfce7; color: #166534; }
.badge-receive { background: #e0f2fe; color: #075985; }
.badge-compatible { background: #dcfce7; color: #166534; }
.badge-breaking { background: #fee2e2; color: #991b1b; }
.badge-info { background: #f1f5f9; color: #475569; }

table { width: 100%; border-collapse: collapse; background: var(--surface); border: 1px solid var(--line); border-radius: 12px; overflow: hidden; font-size: .93rem; }
th, td { text-align: left; padding: 9px 14px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f8fafc; font-size: .78rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
tr:last-child td { border-bottom: 0; }
td.num { font-family: var(--mono); color: var(--muted); width: 60px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 8px 20px; margin: 0; }
dl.facts dt { color: var(--muted); font-size: .9rem; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }

pre.code { background: var(--code-bg); color: var(--code-ink); padding: 16px 18px; border-radius: 10px; overflow-x: auto; line-height: 1.5; margin: 12px 0; }
.code .kw { color: #c4b5fd; } .code .ty { color: #7dd3fc; } .code .str { color: #86efac; } .code .num { color: #fca5a5; }
.code .com { color: #94a3b8; font-style: italic; } .code .name { color: #fde68a; }

.graph { background: var(--surface); border: 1px solid var(--line); border-radius: 12px; padding: 16px; overflow-x: auto; }
.graph svg { display: block; margin: 0 auto; max-width: 100%; height: auto; }
.graph .node rect { stroke-width: 1.5; }
.graph .node text { font-family: var(--sans); font-size: 13px; }
.graph .node .kind { font-size: 10px; letter-spacing: .08em; text-transform: uppercase; }
.graph a.node:hover rect { filter: drop-shadow(0 3px 6px rgba(79,70,229,.25)); }
.graph .edge { fill: none; stroke: #94a3b8; stroke-width: 1.5; }
.graph .edge-label { font-family: var(--sans); font-size: 11px; fill: var(--muted); }
.legend { display: flex; gap: 18px; flex-wrap: wrap; color: var(--muted); font-size: .88rem; margin: 10px 0 0; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }

.change-list { list-style: none; padding: 0; margin: 8px 0 0; }
.change-list li { padding: 8px 0; border-top: 1px solid var(--line); display: flex; gap: 10px; align-items: baseline; }
.change-list li:first-child { border-top: 0; }
.note { color: var(--muted); font-size: .9rem; }
.footer { border-top: 1px solid var(--line); padding: 18px 24px; color: var(--muted); font-size: .85rem; background: var(--surface); }
@media (max-width: 900px) {
  .shell { grid-template-columns: 1fr; } .sidebar { position: static; height: auto; border-right: 0; border-bottom: 1px solid var(--line); }
  .content { padding: 24px 18px; } .stats, .cards.four { grid-template-columns: repeat(2, 1fr); } .topnav { display: none; }
}
`;
