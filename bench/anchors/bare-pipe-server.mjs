// Anchor: the floor for "receive an HTTP body and put it on disk" in Node — no protocol, no
// metadata, no hashing. Every request body is piped to DATA_DIR/<n>.bin and fsync'd (Depot makes
// bytes durable before it acknowledges them, so the anchor does too; on tmpfs fsync is ~free).
//
//   PORT=0 DATA_DIR=/dev/shm/x node bench/anchors/bare-pipe-server.mjs
// Prints "listening on http://HOST:PORT". DELETE /<n>.bin removes a stored file.
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.env.DATA_DIR ?? '.';
let seq = 0;

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'DELETE') {
      await unlink(path.join(dir, path.basename(req.url)));
      res.writeHead(204).end();
      return;
    }
    const name = `${++seq}.bin`;
    // flush: fsync before close (Node ≥ 20.10)
    await pipeline(req, createWriteStream(path.join(dir, name), { flush: true }));
    res.writeHead(201, { Location: `/${name}` }).end();
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
});
// Same socket timeouts as a default Node server would apply to a long upload: none.
server.requestTimeout = 0;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}`);
});
