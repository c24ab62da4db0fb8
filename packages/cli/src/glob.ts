import path from 'node:path';

export const hasGlob = (s: string): boolean => /[*?[]/.test(s);

/**
 * Splits `a/b/*.csv` into the directory to walk (`a/b`) and a matcher of paths relative to it.
 * `*` and `?` stay within one path segment, `**` spans any number of them, `[abc]` is a class.
 */
export function compileGlob(pattern: string): {
  base: string;
  /** how many directory levels under base can match (Infinity with `**`) */
  depth: number;
  match: (relative: string) => boolean;
} {
  const parts = pattern.split(/[\\/]+/);
  const firstGlob = parts.findIndex(hasGlob);
  const base = parts.slice(0, firstGlob).join(path.sep) || (pattern.startsWith('/') ? '/' : '.');
  const rest = parts.slice(firstGlob);
  let re = '';
  for (const [i, part] of rest.entries()) {
    const last = i === rest.length - 1;
    if (part === '**') {
      re += last ? '.*' : '(?:[^/]*/)*';
      continue;
    }
    re += segment(part) + (last ? '' : '/');
  }
  const regex = new RegExp(`^${re}$`);
  const depth = rest.includes('**') ? Number.POSITIVE_INFINITY : rest.length;
  return { base, depth, match: (relative) => regex.test(relative.split(path.sep).join('/')) };
}

function segment(part: string): string {
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = part.indexOf(']', i + 1);
      if (close < 0) out += '\\[';
      else {
        const body = part
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = close;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return out;
}
