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
  if (url.port !== '' && BLOCKED_PORTS.has(Number(url.port)))
    throw errors.badRequest(`url: port ${url.port} is one fetch refuses to connect to; use another`);
  const href = url.toString();
  // measured as it is stored: percent-encoding can make a short input several times longer
  if (href.length > MAX_URL) throw errors.badRequest(`url must be at most ${MAX_URL} characters`);
  return href;
}

/**
 * The ports the Fetch standard blocks ("bad ports"): deliveries go out with fetch, so a URL on one
 * of them could be stored but never reached (every attempt: "bad port").
 */
const BLOCKED_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);
