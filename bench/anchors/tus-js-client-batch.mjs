// Anchor: tus-js-client (Node) uploading every file of a directory, N at a time, as its README
// shows (endpoint, headers, metadata; its defaults otherwise: a POST, then one PATCH per file).
//
//   node bench/anchors/tus-js-client-batch.mjs DIR URL TOKEN CONCURRENCY [--data-during-creation]
// Prints one JSON line: {"files": N, "ms": wall}.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tus from 'tus-js-client';

const [dir, url, token, concurrency] = process.argv.slice(2);
const duringCreation = process.argv.includes('--data-during-creation');
const t0 = performance.now();
const files = (await readdir(dir)).sort();
let next = 0;
const worker = async () => {
  while (next < files.length) {
    const name = files[next++];
    const data = await readFile(path.join(dir, name));
    await new Promise((resolve, reject) => {
      new tus.Upload(data, {
        endpoint: `${url}/files/`,
        headers: { Authorization: `Bearer ${token}` },
        metadata: { filename: name },
        uploadDataDuringCreation: duringCreation,
        onError: reject,
        onSuccess: resolve,
      }).start();
    });
  }
};
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
console.log(JSON.stringify({ files: files.length, ms: performance.now() - t0 }));
