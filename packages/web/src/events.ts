import type { Api } from './api.js';

export type EventHandler = (event: string, data: unknown) => void;

/**
 * Follows GET /api/events until `signal` aborts, reconnecting after a drop. It reads the stream
 * with fetch rather than EventSource so that the token goes in a header, never in a URL.
 */
export async function followEvents(api: Api, onEvent: EventHandler, onOpen: () => void, signal: AbortSignal) {
  while (!signal.aborted) {
    try {
      const res = await api.request('/api/events', { signal, headers: { Accept: 'text/event-stream' } });
      onOpen();
      await readStream(res, onEvent);
    } catch {
      // dropped or refused: wait, then try again (unless stopped)
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function readStream(res: Response, onEvent: EventHandler): Promise<void> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let end = buf.indexOf('\n\n');
    while (end >= 0) {
      dispatch(buf.slice(0, end), onEvent);
      buf = buf.slice(end + 2);
      end = buf.indexOf('\n\n');
    }
  }
}

function dispatch(block: string, onEvent: EventHandler): void {
  const event = /^event: (.*)$/m.exec(block)?.[1];
  const data = /^data: (.*)$/m.exec(block)?.[1];
  if (event && data) onEvent(event, JSON.parse(data));
}
