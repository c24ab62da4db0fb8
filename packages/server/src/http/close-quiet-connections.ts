import type { Server } from 'node:http';

/**
 * Counts requests in flight, so that a closing server can drop connections that carry none. Node's
 * `closeIdleConnections` (Fastify's 'idle') skips a connection a client opened but has not sent a
 * request on yet (clients open spare ones); that one would hold `close()` until the headers
 * timeout. Returns a function that, once called, drops every connection whenever no request is in
 * flight, until the server has closed.
 */
export function trackRequests(server: Server): () => void {
  let inFlight = 0;
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
    });
  });
  return () => {
    const timer = setInterval(() => {
      if (inFlight === 0) server.closeAllConnections();
    }, 50);
    server.once('close', () => clearInterval(timer));
  };
}
