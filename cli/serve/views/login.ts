/**
 * `serve`'s log-in page: one field, the bearer token, posted to /login (a form: no script). Pure.
 */
import { html, htmlPage, raw } from '../../../functions/render/layout.ts';

const CSS = raw(`
form.login{max-width:420px;margin:40px auto;border:1px solid var(--line);border-radius:8px;padding:16px 20px;background:var(--card)}
form.login label{display:block;font-weight:600;margin:0 0 6px}
form.login input[type=password]{width:100%;font:inherit;padding:6px 8px;border-radius:6px;border:1px solid var(--line);background:var(--bg);color:var(--fg)}
form.login button{margin-top:12px;font:inherit;padding:6px 14px;border-radius:6px;border:1px solid var(--line);background:var(--pass);color:#fff;cursor:pointer}
.error{color:var(--fail);font-weight:600}
`);

/** `next`: where to go once logged in (a path of this server); `error`: why the last attempt failed. */
export function loginPage(next: string, error?: string): string {
  return htmlPage(
    'Log in',
    CSS,
    html`<h1>download-doctor</h1>
<form class="login" method="post" action="/login">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${next}">
${error && html`<p class="error" role="alert">${error}</p>`}
<button type="submit">Log in</button>
<p class="meta">The bearer token serve was started with (--token-env or --token-file). A session cookie keeps you logged in for 12 hours; the token itself is never stored in the browser.</p>
</form>`,
  );
}
