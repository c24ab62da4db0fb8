/**
 * Validation of the csv-report fields, straight from the bytes: no string is made for a field that
 * is only checked, which matters at millions of rows per second.
 */

/** Digits that always fit a double exactly (10^15 < 2^53). Longer numbers go through BigInt. */
const SAFE_DIGITS = 15;

/**
 * `Number of Plays`: one or more ASCII digits (leading zeros allowed; no sign, space or exponent).
 * Returns the value, a bigint when it may not fit a double exactly, or -1 if it is not valid.
 */
export function parsePlays(buf: Buffer, start: number, end: number): number | bigint {
  if (end <= start) return -1;
  if (end - start > SAFE_DIGITS) {
    for (let i = start; i < end; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) return -1;
    }
    return BigInt(buf.toString('latin1', start, end));
  }
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `Date`: exactly YYYY-MM-DD and a real day of the Gregorian calendar, years 0001 to 9999.
 * Returns the date as the number YYYYMMDD (one compare for equality, cheap to hash), or -1.
 */
export function calendarDate(buf: Buffer, start: number, end: number): number {
  if (end - start !== 10 || buf[start + 4] !== 45 || buf[start + 7] !== 45) return -1;
  const y = digits(buf, start, 4);
  const m = digits(buf, start + 5, 2);
  const d = digits(buf, start + 8, 2);
  if (y < 1 || m < 1 || m > 12 || d < 1) return -1;
  const leapDay = m === 2 && d === 29 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return leapDay || d <= DAYS_IN_MONTH[m]! ? y * 10000 + m * 100 + d : -1;
}

/** The value of `n` ASCII digits at `at`, or -1 if one is not a digit. */
function digits(buf: Buffer, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Fixed width of a valid date, which lets a group key end with it and still split unambiguously. */
export const DATE_LENGTH = 10;
