// Adds the portal's top bar to the page that @asyncapi/html-template wrote, so readers can get back
// to the portal. It only inserts a header before the template's own markup; it never edits that markup.
import { html, raw } from './html.ts';

const barCss = `
.herald-bar{position:sticky;top:0;z-index:60;display:flex;align-items:center;gap:14px;height:56px;padding:0 24px;
background:#111827;color:#f9fafb;font:15px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.herald-bar a{color:#d1d5db;text-decoration:none;padding:6px 12px;border-radius:6px}
.herald-bar a:hover{background:#1f2937;color:#fff}
.herald-bar .brand{display:flex;align-items:center;gap:10px;color:#fff;font-weight:700;font-size:1.1rem;padding:0}
.herald-bar .logo{display:inline-grid;place-items:center;width:30px;height:30px;border-radius:8px;background:linear-gradient(135deg,#6366f1,#22c55e);font-weight:800}
.herald-bar .where{color:#cbd5e1;padding-left:14px;border-left:1px solid #374151}
.herald-bar nav{margin-left:auto;display:flex;gap:4px}
.herald-bar nav a.active{background:#312e81;color:#fff}
`;

export function addPortalBar(page: string, contractTitle: string): string {
  const bar = html`<style>${raw(barCss)}</style><header class="herald-bar" data-testid="portal-bar"><a class="brand" href="../index.html"><span class="logo">H</span><span>Herald</span></a><span class="where">${contractTitle} · AsyncAPI reference</span><nav><a href="../index.html">Overview</a><a href="../graph.html">Graph</a><a class="active" href="index.html">Reference</a><a href="../wire-format.html">Wire format</a><a href="../changelog.html">Changelog</a></nav></header>`;
  const body = /<body[^>]*>/i.exec(page);
  if (!body) return page;
  const at = body.index + body[0].length;
  return page.slice(0, at) + bar.value + page.slice(at);
}
