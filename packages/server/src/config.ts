import path from 'node:path';
import { parseBool, parseDuration, parseSize } from './config-parse.js';

/** Every setting of a Depot server, validated. Built once at start by {@link loadConfig}. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** `sqlite:PATH` or `postgres://…` */
  readonly databaseUrl: string;
  /** `fs:DIR` or `s3://bucket/prefix` */
  readonly storage: string;
  readonly s3: {
    readonly endpoint?: string;
    readonly region?: string;
    readonly accessKeyId?: string;
    readonly secretAccessKey?: string;
  };
  /** `local` or `redis://…` */
  readonly queue: string;
  /** DEPOT_QUEUE_PREFIX: the prefix of the BullMQ queue's Redis keys and channels */
  readonly queuePrefix: string;
  /**
   * Redis for the upload locks shared by every node: DEPOT_REDIS_URL, else DEPOT_QUEUE when that is
   * a redis:// URL; undefined = in-process locks (one node only).
   */
  readonly redisUrl?: string;
  readonly adminToken?: string;
  /** bytes; undefined = no limit but the disk */
  readonly maxUploadSize?: number;
  /** ms after the last write before an unfinished upload expires */
  readonly uploadExpiry: number;
  /** ms between sweeps of expired uploads */
  readonly expiryInterval: number;
  readonly workers: number;
  readonly jobMemory: number;
  readonly quota?: number;
  readonly trustProxy: boolean;
  /** ms */
  readonly shutdownTimeout: number;
  readonly logLevel: string;
  /** Access-Control-Allow-Origin; `*` lets any page upload (tokens travel as headers, never cookies). */
  readonly corsOrigin: string;
  /** GET /metrics: `on` (no token, like /healthz), `admin` (an admin token), `off` (no metrics kept) */
  readonly metrics: 'on' | 'admin' | 'off';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Setting names, for `depot serve --help` and the README. Flags are the lower-case suffix: DEPOT_MAX_UPLOAD_SIZE → --max-upload-size. */
export const SETTINGS = [
  'DEPOT_HOST',
  'DEPOT_PORT',
  'DEPOT_DATA_DIR',
  'DEPOT_DATABASE_URL',
  'DEPOT_STORAGE',
  'DEPOT_S3_ENDPOINT',
  'DEPOT_S3_REGION',
  'DEPOT_S3_ACCESS_KEY_ID',
  'DEPOT_S3_SECRET_ACCESS_KEY',
  'DEPOT_QUEUE',
  'DEPOT_QUEUE_PREFIX',
  'DEPOT_REDIS_URL',
  'DEPOT_ADMIN_TOKEN',
  'DEPOT_MAX_UPLOAD_SIZE',
  'DEPOT_UPLOAD_EXPIRY',
  'DEPOT_EXPIRY_INTERVAL',
  'DEPOT_WORKERS',
  'DEPOT_JOB_MEMORY',
  'DEPOT_QUOTA',
  'DEPOT_TRUST_PROXY',
  'DEPOT_SHUTDOWN_TIMEOUT',
  'DEPOT_LOG_LEVEL',
  'DEPOT_CORS_ORIGIN',
  'DEPOT_METRICS',
] as const;

export type SettingName = (typeof SETTINGS)[number];

/** `--max-upload-size` → `DEPOT_MAX_UPLOAD_SIZE` (undefined when no such setting). */
export function settingForFlag(flag: string): SettingName | undefined {
  const name = `DEPOT_${flag.replace(/^--/, '').replaceAll('-', '_').toUpperCase()}`;
  return (SETTINGS as readonly string[]).includes(name) ? (name as SettingName) : undefined;
}

/**
 * Reads every setting from `env` (DEPOT_*, and the standard AWS_* for S3), validates it,
 * and returns a frozen Config. Throws ConfigError with a one-line message naming the setting.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const get = (name: SettingName): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const bad = (name: SettingName, want: string): never => {
    throw new ConfigError(`${name}=${JSON.stringify(env[name])} is not valid: expected ${want}`);
  };
  const size = (name: SettingName): number | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    const n = parseSize(v);
    return n === undefined || n <= 0 ? bad(name, 'a size such as 500MB or 10GiB') : n;
  };
  const duration = (name: SettingName, fallback: number): number => {
    const v = get(name);
    if (v === undefined) return fallback;
    const n = parseDuration(v);
    return n === undefined || n <= 0 ? bad(name, 'a duration such as 30s, 15m or 24h') : n;
  };
  const int = (name: SettingName, fallback: number, min: number, max: number): number => {
    const v = get(name);
    if (v === undefined) return fallback;
    const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    return Number.isInteger(n) && n >= min && n <= max ? n : bad(name, `an integer from ${min} to ${max}`);
  };
  const bool = (name: SettingName): boolean => {
    const v = get(name);
    if (v === undefined) return false;
    const b = parseBool(v);
    return b === undefined ? bad(name, 'true or false') : b;
  };

  const dataDir = path.resolve(cwd, get('DEPOT_DATA_DIR') ?? 'data');
  const databaseUrl = get('DEPOT_DATABASE_URL') ?? `sqlite:${path.join(dataDir, 'depot.sqlite')}`;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    bad('DEPOT_DATABASE_URL', 'sqlite:PATH or postgres://…');
  }
  const storage = get('DEPOT_STORAGE') ?? `fs:${path.join(dataDir, 'blobs')}`;
  if (!/^(fs:.+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?)$/.test(storage)) {
    bad('DEPOT_STORAGE', 'fs:DIR or s3://bucket/prefix');
  }
  const queue = get('DEPOT_QUEUE') ?? 'local';
  if (!/^(local|rediss?:\/\/.+)$/.test(queue)) bad('DEPOT_QUEUE', 'local or redis://…');
  const queuePrefix = get('DEPOT_QUEUE_PREFIX') ?? 'depot:queue';
  if (!/^[\w:{}.-]{1,100}$/.test(queuePrefix))
    bad('DEPOT_QUEUE_PREFIX', 'letters, digits and _ : . - { } (at most 100)');
  const redisUrl = get('DEPOT_REDIS_URL') ?? (queue === 'local' ? undefined : queue);
  if (redisUrl !== undefined && !/^rediss?:\/\/.+$/.test(redisUrl)) bad('DEPOT_REDIS_URL', 'redis://…');
  const s3Endpoint = get('DEPOT_S3_ENDPOINT') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (s3Endpoint !== undefined && !/^https?:\/\/[^/]+/.test(s3Endpoint)) {
    bad('DEPOT_S3_ENDPOINT', 'an http:// or https:// URL');
  }
  const logLevel = get('DEPOT_LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    bad('DEPOT_LOG_LEVEL', 'one of fatal, error, warn, info, debug, trace, silent');
  }
  const metricsSetting = get('DEPOT_METRICS') ?? 'on';
  const metrics =
    metricsSetting === 'on' || metricsSetting === 'admin' || metricsSetting === 'off'
      ? metricsSetting
      : bad('DEPOT_METRICS', 'on, admin or off');
  const adminToken = get('DEPOT_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) bad('DEPOT_ADMIN_TOKEN', 'at least 16 characters');

  const config: Config = {
    host: get('DEPOT_HOST') ?? '127.0.0.1',
    port: int('DEPOT_PORT', 8080, 0, 65535),
    dataDir,
    databaseUrl,
    storage,
    s3: {
      endpoint: s3Endpoint,
      region: get('DEPOT_S3_REGION') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
      accessKeyId: get('DEPOT_S3_ACCESS_KEY_ID') ?? env.AWS_ACCESS_KEY_ID,
      secretAccessKey: get('DEPOT_S3_SECRET_ACCESS_KEY') ?? env.AWS_SECRET_ACCESS_KEY,
    },
    queue,
    queuePrefix,
    redisUrl,
    adminToken,
    maxUploadSize: size('DEPOT_MAX_UPLOAD_SIZE'),
    uploadExpiry: duration('DEPOT_UPLOAD_EXPIRY', 24 * 3_600_000),
    expiryInterval: duration('DEPOT_EXPIRY_INTERVAL', 60_000),
    workers: int('DEPOT_WORKERS', 2, 0, 256),
    jobMemory: size('DEPOT_JOB_MEMORY') ?? 256 * 1024 * 1024,
    quota: size('DEPOT_QUOTA'),
    trustProxy: bool('DEPOT_TRUST_PROXY'),
    shutdownTimeout: duration('DEPOT_SHUTDOWN_TIMEOUT', 30_000),
    logLevel,
    corsOrigin: get('DEPOT_CORS_ORIGIN') ?? '*',
    metrics,
  };
  return Object.freeze(config);
}
