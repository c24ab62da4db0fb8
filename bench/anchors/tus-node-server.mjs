// Anchor: the reference tus server for Node, @tus/server 2.x with @tus/file-store, in its
// documented standalone form (no auth, no checksum extension — it does not implement one).
//
//   PORT=0 DATA_DIR=/dev/shm/x node bench/anchors/tus-node-server.mjs
// Prints "listening on http://HOST:PORT"; the tus endpoint is /files/.
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';

const server = new Server({
  path: '/files',
  datastore: new FileStore({ directory: process.env.DATA_DIR ?? './files' }),
});
const http = server.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, () => {
  const { address, port } = http.address();
  console.log(`listening on http://${address}:${port}`);
});
