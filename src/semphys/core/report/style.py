"""The report's stylesheet, inlined into every page (no fonts, no CDNs, nothing fetched)."""

CSS = """
:root {
  color-scheme: light;
  --ink: #1c2127; --muted: #5b6670; --rule: #d9dee3; --soft: #f4f6f8;
  --accent: #2457a6; --ok: #1e7a3c; --ok-bg: #e6f4ea; --bad: #b3261e; --bad-bg: #fcebea;
  --warn: #8a5a00; --warn-bg: #fff4dc;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: #fff; color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans",
        Helvetica, Arial, sans-serif;
}
main { max-width: 62rem; margin: 0 auto; padding: 2.5rem 1.5rem 3rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .3rem; letter-spacing: -.01em; }
h2 {
  font-size: 1.35rem; line-height: 1.3; margin: 2.6rem 0 .9rem; padding-top: 1.2rem;
  border-top: 1px solid var(--rule); display: flex; flex-wrap: wrap; align-items: baseline;
  gap: .3rem .7rem;
}
header .subtitle { color: var(--muted); margin: 0; }
p { margin: .6rem 0; max-width: 46rem; }
a { color: var(--accent); }
code, pre, .mono {
  font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", "Liberation Mono", Menlo,
               Consolas, monospace;
}
.badge {
  font-size: .78rem; font-weight: 600; padding: .08rem .55rem; border-radius: 999px;
  white-space: nowrap; background: var(--soft); color: var(--muted);
}
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.failed { background: var(--bad-bg); color: var(--bad); }
.badge.warning { background: var(--warn-bg); color: var(--warn); }
.section-meta { color: var(--muted); font-size: .88rem; margin: -.4rem 0 .8rem; }
nav.contents { margin: 1.6rem 0 0; padding: .9rem 1.2rem; background: var(--soft); border-radius: 8px; }
nav.contents h2 { border: 0; margin: 0 0 .3rem; padding: 0; font-size: 1rem; }
nav.contents ol { margin: 0; padding-left: 1.3rem; }
nav.contents li { margin: .15rem 0; }
nav.contents .badge { margin-left: .5rem; }
.table-wrap { overflow-x: auto; margin: 1rem 0 1.2rem; }
table { border-collapse: collapse; font-size: .9rem; min-width: 18rem; }
caption { caption-side: top; text-align: left; color: var(--muted); font-size: .86rem; padding-bottom: .35rem; }
th, td { padding: .28rem .9rem; text-align: left; vertical-align: top; border-bottom: 1px solid var(--rule); }
thead th { border-bottom: 2px solid #aab3bc; font-weight: 600; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.empty { color: var(--muted); font-style: italic; }
table.kv th { font-weight: 600; color: var(--muted); white-space: nowrap; }
figure { margin: 1.4rem 0 1.6rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--rule); border-radius: 4px; }
figcaption { color: var(--muted); font-size: .88rem; margin-top: .45rem; max-width: 46rem; }
pre {
  background: var(--soft); border: 1px solid var(--rule); border-radius: 6px; padding: .8rem 1rem;
  overflow-x: auto; font-size: .84rem; line-height: 1.45; margin: .9rem 0;
}
.code-caption { color: var(--muted); font-size: .86rem; margin: 1rem 0 -.5rem; }
.error-box {
  border: 1px solid #f0b8b4; border-left: 4px solid var(--bad); background: var(--bad-bg);
  border-radius: 6px; padding: .7rem 1rem; margin: 1rem 0;
}
.error-box .error-title { color: var(--bad); font-weight: 600; margin: 0 0 .2rem; }
.error-box .error-message { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.error-box details { margin-top: .5rem; }
.error-box summary { cursor: pointer; color: var(--muted); font-size: .88rem; }
.error-box pre { background: #fff; }
footer {
  margin-top: 3rem; padding-top: 1rem; border-top: 1px solid var(--rule); color: var(--muted);
  font-size: .82rem;
}
footer p { margin: .25rem 0; max-width: none; }
footer code { overflow-wrap: anywhere; }
@media print {
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, table { break-inside: avoid; }
}
"""
