import { DATE_LENGTH } from './csv-report-fields.js';

/**
 * A (Song, Date) group as one string whose plain `<` order is the output order: Song then Date,
 * both by UTF-8 bytes. Fields are kept as latin1 (one char per byte), so JavaScript's code unit
 * comparison *is* byte comparison, and writing the string back as latin1 restores the exact input
 * bytes (valid UTF-8 or not). This is the form runs on disk and the merge work with.
 *
 * Layout: song, NUL, date. NUL sorts below every other byte, so a song sorts before any longer
 * song it is a prefix of. A NUL inside a song (legal, if odd) is escaped as NUL 0xFF; the separator
 * is followed by a digit (< 0xFF), which keeps the order and the split unambiguous.
 *
 * Takes song NUL date as raw bytes (latin1), as the aggregator's arena holds them.
 */
export function groupKey(songNulDate: string): string {
  const sep = songNulDate.length - DATE_LENGTH - 1;
  if (songNulDate.indexOf('\0') === sep) return songNulDate;
  return songNulDate.slice(0, sep).replaceAll('\0', '\0\xff') + songNulDate.slice(sep);
}

/** The song of a key, as latin1 (write it back with the latin1 encoding). */
export function keySong(key: string): string {
  const song = key.slice(0, key.length - DATE_LENGTH - 1);
  return song.includes('\0') ? song.replaceAll('\0\xff', '\0') : song;
}

export function keyDate(key: string): string {
  return key.slice(key.length - DATE_LENGTH);
}
