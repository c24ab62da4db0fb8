import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How long a connection ended by a closing server may wait for its client to close its side. */
const LINGER_MS = 10_000;

/**
 * Tracks which connections carry a request, so that a closing server can end every connection
 * that carries none: idle keep-alive ones, and ones a client opened but has not sent a request on
 * yet (clients open spare ones; Node's `closeIdleConnections` skips those, which would then hold
 * `close()` until the headers timeout).
 *
 * Such a connection is ended, not destroyed: the response just finished may still sit in the
 * kernel's buffers, unread by a slow client, and the process must not exit under it (an orphaned
 * socket whose client reads late can be reset, cutting the response's tail). An ended connection
 * closes once the client, having read everything, closes its side; one whose client never does is
 * destroyed after LINGER_MS, or at the drain deadline. Returns a function that, once called, does
 * this every 50 ms until the server has closed.
 */
export function trackRequests(server: Server): () => void {
  const busy = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    busy.set(socket, 0);
    socket.once('close', () => busy.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      if (busy.has(socket)) busy.set(socket, (busy.get(socket) ?? 1) - 1);
    });
  });
  return () => {
    const timer = setInterval(() => {
      for (const [socket, requests] of busy) {
        if (requests > 0 || socket.writableEnded) continue;
        socket.end();
        setTimeout(() => socket.destroy(), LINGER_MS).unref();
      }
    }, 50);
    server.once('close', () => clearInterval(timer));
  };
}
