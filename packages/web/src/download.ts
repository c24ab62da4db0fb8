import type { Api } from './api.js';

/**
 * Downloads file `id`: asks the server for a short-lived download link (a plain link cannot
 * carry the bearer token) and follows it, so the browser streams the file to disk itself — any
 * size, with its own progress and resume — instead of holding it in memory first.
 */
export async function downloadFile(api: Api, id: string, name: string): Promise<void> {
  const { url } = await api.link(id);
  const a = document.createElement('a');
  a.href = url;
  // Saved, never shown in place (even a type the server sends inline); the server's
  // Content-Disposition name wins where a browser has both.
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}
