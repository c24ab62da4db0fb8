import type { Api } from './api.js';

/**
 * Downloads file `id` with the bearer token (a plain link cannot send it): fetches the bytes,
 * then saves them under the name the server gives in Content-Disposition.
 */
export async function downloadFile(api: Api, id: string, fallbackName: string): Promise<void> {
  const res = await api.request(`/files/${encodeURIComponent(id)}`);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = nameFrom(res.headers.get('content-disposition')) ?? fallbackName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function nameFrom(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star?.[1]) return decodeURIComponent(star[1]);
  return /filename="([^"]+)"/i.exec(disposition)?.[1] ?? null;
}
