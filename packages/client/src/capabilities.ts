import type { Transport } from './transport.js';

/** What a tus server says it supports (OPTIONS), so the client works with any tus 1.0 server. */
export interface Capabilities {
  readonly extensions: ReadonlySet<string>;
  readonly checksums: ReadonlySet<string>;
  readonly maxSize: number | undefined;
}

export async function discover(transport: Transport, endpoint: string): Promise<Capabilities> {
  try {
    return await ask(transport, endpoint, undefined);
  } catch {
    return NONE; // assume the core protocol only; requests will tell the rest
  }
}

/** OPTIONS on the tus endpoint, read into capabilities; a network failure is thrown. */
export async function ask(
  transport: Transport,
  endpoint: string,
  signal: AbortSignal | undefined,
): Promise<Capabilities> {
  const res = await transport.send('OPTIONS', endpoint, { 'Tus-Resumable': '1.0.0' }, undefined, signal);
  await res.arrayBuffer();
  if (res.status >= 300) return NONE;
  const list = (name: string) =>
    new Set(
      (res.headers.get(name) ?? '')
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    );
  const max = Number(res.headers.get('tus-max-size'));
  return {
    extensions: list('tus-extension'),
    checksums: list('tus-checksum-algorithm'),
    maxSize: Number.isFinite(max) && max > 0 ? max : undefined,
  };
}

const NONE: Capabilities = { extensions: new Set(), checksums: new Set(), maxSize: undefined };
