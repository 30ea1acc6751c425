import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { AuthorizationParams, ValidRequest } from './oauth-request.ts';

const SCOPE_TEXT: Record<string, string> = {
  'crm:read': 'Read contacts, interactions, scores and reports you can see',
  'crm:write': 'Create and change CRM data on your behalf (as your role allows)',
};

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.3rem}label{display:block;margin:.7rem 0 .2rem}input[type=email],input[type=password],input[type=text]{width:100%;padding:.45rem;box-sizing:border-box}
.err{background:#fde8e8;border:1px solid #e0a0a0;padding:.6rem;border-radius:4px}.muted{color:#5a6275;font-size:.9rem}
.row{display:flex;gap:.6rem;margin-top:1.1rem}button{padding:.5rem 1rem}code{word-break:break-all}`;
/** The page's only style, allowed by hash: the CSP forbids inline scripts and every other inline style. */
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function securityHeaders(reply: FastifyReply, formTarget?: string): void {
  const formAction = ["'self'", ...(formTarget ? [formTarget] : [])].join(' ');
  void reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    // form-action covers the redirect after the POST (browsers apply it to redirects too)
    .header('content-security-policy', `default-src 'none'; style-src ${STYLE_HASH}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`);
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;

/** An error shown to the person at the browser (the client's redirect_uri is not trusted). */
export function sendErrorPage(reply: FastifyReply, status: number, message: string): FastifyReply {
  securityHeaders(reply);
  return reply.status(status).send(page('Authorization failed', `<h1>This sign-in link cannot be used</h1><p class="err">${esc(message)}</p><p class="muted">Start the connection again from the application that sent you here.</p>`));
}

/** The sign-in + consent form: who asks, where the answer goes, which scopes; the CSRF token rides in a hidden field. */
export function sendConsentPage(
  reply: FastifyReply,
  input: { request: ValidRequest; params: AuthorizationParams; csrf: string; error?: string; email?: string; tenant?: string; status?: number },
): FastifyReply {
  const { request: r, params } = input;
  const redirect = new URL(r.redirectUri);
  // an app's own scheme (cursor://…) has no origin: CSP names the scheme instead
  securityHeaders(reply, redirect.origin !== 'null' ? redirect.origin : redirect.protocol);
  const hidden = Object.entries({ ...params, csrf: input.csrf })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(String(v))}">`)
    .join('');
  const scopes = r.scopes.map((s) => `<li><code>${esc(s)}</code> — ${esc(SCOPE_TEXT[s] ?? s)}</li>`).join('');
  const body = `<h1>Sign in to Agentic CRM</h1>
<p><strong>${esc(r.client.name)}</strong> asks to use the CRM as you.</p>
<p class="muted">After you allow it, you are sent back to <strong>${esc(redirect.origin !== 'null' ? redirect.host : `${redirect.protocol}${redirect.host ? `//${redirect.host}` : ''}`)}</strong>. Resource: <code>${esc(r.resource)}</code></p>
<ul>${scopes}</ul>
${input.error ? `<p class="err" role="alert">${esc(input.error)}</p>` : ''}
<form method="post" action="/oauth/authorize">${hidden}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${esc(input.email ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="tenant">Workspace <span class="muted">(only if your email is in several)</span></label><input id="tenant" name="tenant" type="text" value="${esc(input.tenant ?? '')}">
<div class="row"><button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny" formnovalidate>Deny</button></div>
</form>`;
  return reply.status(input.status ?? 200).send(page(`Authorize ${r.client.name}`, body));
}
