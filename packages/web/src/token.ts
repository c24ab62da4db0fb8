const KEY = 'depot.token';

/**
 * The token from a `?token=` (or `#token=`) link, which is then kept and removed from the address
 * bar, or else the one kept in localStorage.
 */
export function initialToken(): string | null {
  const url = new URL(location.href);
  const fromLink = url.searchParams.get('token') ?? new URLSearchParams(url.hash.slice(1)).get('token');
  if (fromLink) {
    saveToken(fromLink);
    url.searchParams.delete('token');
    if (url.hash.includes('token=')) url.hash = '';
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromLink;
  }
  return localStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  localStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  localStorage.removeItem(KEY);
}
