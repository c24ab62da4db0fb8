import { expect } from 'vitest';

export interface SseEvent {
  readonly event: string;
  readonly data: { id: string; state?: string; fileId?: string; finished?: boolean };
}

export interface Sse {
  readonly events: SseEvent[];
  stop(): void;
}

/** Subscribes to GET /api/events on `baseUrl` and collects every event until stopped. */
export async function subscribe(baseUrl: string, token: string): Promise<Sse> {
  const ac = new AbortController();
  const res = await fetch(`${baseUrl}/api/events`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const sse: Sse = { events: [], stop: () => ac.abort() };
  void (async () => {
    let buf = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let end = buf.indexOf('\n\n');
        while (end >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) sse.events.push({ event, data: JSON.parse(data) });
          end = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by stop()
    }
  })();
  return sse;
}
