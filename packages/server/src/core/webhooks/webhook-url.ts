import { errors } from '../errors.js';

const MAX_URL = 2048;

/**
 * A receiver URL: absolute http(s), no credentials in it (they would show in every listing).
 * Private and loopback addresses are allowed on purpose (receivers inside the same network are
 * the common case); docs/webhooks.md says what that means for SSRF.
 */
export function checkWebhookUrl(input: unknown): string {
  if (typeof input !== 'string' || input === '') throw errors.badRequest('url must be an http(s) URL');
  if (input.length > MAX_URL) throw errors.badRequest(`url must be at most ${MAX_URL} characters`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw errors.badRequest(`url is not a valid URL: ${input}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw errors.badRequest(`url must use http or https, not ${url.protocol.slice(0, -1)}`);
  if (url.username !== '' || url.password !== '')
    throw errors.badRequest('url must not contain a user name or password');
  if (url.hostname === '') throw errors.badRequest('url must name a host');
  return url.toString();
}
