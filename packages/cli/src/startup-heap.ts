import v8 from 'node:v8';

/** V8's own default (`node --v8-options`): each growth doubles the young generation. */
const DEFAULT_GROWTH_FACTOR = 2;
const FLAG = /semi[-_]space[-_]growth[-_]factor/;

/**
 * Holds V8's young generation at its current size while the server loads and starts, and gives V8
 * back its default growth once the server listens; the returned function does that (once).
 *
 * Start-up (loading, compiling and wiring some 900 modules) is a burst in which most of what is
 * allocated survives: left alone, V8 grows the young generation to its maximum (2 × 16 MiB) within
 * the first 400 ms, and start-up writes every page of it, so ~25 MiB stay resident until V8's
 * memory reducer shrinks the heap after ~8 s of idleness (measured: 94 → 74 MiB at 9 s). A
 * server under load never needs those pages: its scavenges come every few MiB, driven by the
 * socket buffers, so the young generation it grows to again is mostly never written.
 * `--semi-space-growth-factor` is read by V8 each time it would grow; a factor set by the user
 * (NODE_OPTIONS or the command line) is left alone.
 */
export function holdYoungGeneration(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): () => void {
  if (execArgv.some((a) => FLAG.test(a)) || FLAG.test(nodeOptions)) return () => {};
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    v8.setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
  };
}
