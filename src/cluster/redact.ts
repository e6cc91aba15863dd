/**
 * Keeps credentials out of every message this layer surfaces: error texts from the
 * network stack, the API server or a credential plugin can echo headers or config.
 */

/** `scheme://user:password@host` → `scheme://<redacted>@host` (starts only at `://`, stops at `/`: linear). */
const URL_USERINFO: [RegExp, string] = [/:\/\/[^\s/?#@]+@/g, '://<redacted>@'];

/** A URL (a kubeconfig's server, a proxy) without the credentials it may carry. */
export function redactUrlCredentials(url: string): string {
  return url.replace(URL_USERINFO[0], URL_USERINFO[1]);
}

const SECRET_FIELDS = [
  ...['token', 'id-token', 'refresh-token', 'access-token'],
  ...['client-secret', 'client-key-data', 'client-key', 'password', 'secret'],
].join('|');

const PATTERNS: [RegExp, string][] = [
  URL_USERINFO,
  // Authorization / Proxy-Authorization headers in any quoting.
  [/((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:bearer|basic)?\s*[^\s"',}]+/gi, '$1<redacted>'],
  [/\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, '$1 <redacted>'],
  // kubeconfig / JSON fields holding secrets: `token: …`, `"client-key-data": "…"`, `password=…`.
  [new RegExp(String.raw`((?:["']?)(?:${SECRET_FIELDS})["']?\s*[:=]\s*["']?)[^\s"',}]+`, 'gi'), '$1<redacted>'],
  // PEM private keys.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, '<redacted private key>'],
  // JSON Web Tokens (service-account and OIDC tokens).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '<redacted jwt>'],
];

/** Removes credential-looking text and every known secret value. */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const knownSecret of knownSecrets)
    if (knownSecret && knownSecret.length >= 4) out = out.split(knownSecret).join('<redacted>');
  for (const [re, by] of PATTERNS) out = out.replace(re, by);
  return out;
}
