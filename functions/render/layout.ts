/**
 * What every page shares: the one escaper (the `html` tagged template), the base styles, and the self-contained
 * page around a body. Pure.
 */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/**
 * Text as markup, for an element's text or an attribute's value (quoted either way): everything in a report may
 * come from a server. The one escaper of the pages and of JUnit's XML (cli/format.ts); elsewhere, `html`.
 */
export const escapeMarkup = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** Markup that is already safe: what `html` makes, or a constant of the code marked with `raw`. */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

/** What `html` takes: text (escaped), safe markup (as it is), nothing (`false`, null, undefined), or a list. */
export type Interpolation = string | number | SafeHtml | false | null | undefined | readonly Interpolation[];

const markup = (v: Interpolation): string =>
  v instanceof SafeHtml
    ? v.html
    : Array.isArray(v)
      ? v.map(markup).join('')
      : v === false || v === null || v === undefined
        ? ''
        : escapeMarkup(String(v));

/**
 * The pages' one way to write markup: every interpolation is escaped unless it is SafeHtml (a nested `html`, or
 * `raw`); a list is its items' markup joined; `false`, null and undefined are nothing. No call to remember.
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += markup(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Items' markup with a separator between them (text, so escaped), as `Array.join` does for strings. */
export const joinHtml = (items: readonly Interpolation[], separator: string) =>
  new SafeHtml(items.map(markup).join(escapeMarkup(separator)));

/** A constant of the code (CSS, the CSP) as markup, unescaped: never text that came from outside. */
export const raw = (s: string) => new SafeHtml(s);

/** The colours, type and layout every page shares (this report, `serve`'s status page). */
export const BASE_CSS = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--card:#f6f8fa;--line:#d1d9e0;--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--slow:#9a6700;--slow-bg:#fff8c5;--unk:#8250df;--unk-bg:#fbefff;--none:#6e7781;--none-bg:#eaeef2}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#151b23;--line:#3d444d;--pass:#3fb950;--pass-bg:#12261e;--fail:#f85149;--fail-bg:#2d1214;--slow:#d29922;--slow-bg:#2e2411;--unk:#ab7df8;--unk-bg:#231a35;--none:#9198a1;--none-bg:#212830}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1120px;margin:0 auto;padding:20px}
code,pre{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:13px}
pre{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:0 0 4px}
h4{font-size:13px;margin:10px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.muted,.meta{color:var(--muted)}
`;

/**
 * What a page may load: nothing but its own inline styles and data: images; no `<base>`, and forms post only to
 * where the page came from (`serve`'s login and logout). `frame-ancestors` only works as a header: `serve` adds it.
 */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'";

/**
 * A self-contained page: the shared styles and the page's own `css` (a constant of the code, marked with `raw`)
 * inline, no script, a CSP that loads nothing; `refreshSeconds`: the page reloads itself (a meta refresh, no script).
 */
export function htmlPage(
  title: string,
  css: SafeHtml,
  main: SafeHtml,
  options: { refreshSeconds?: number } = {},
): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${raw(PAGE_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${
  options.refreshSeconds
    ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">
`
    : ''
}<title>${title} · download-doctor</title>
<style>${raw(BASE_CSS)}${css}</style>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`.html;
}
