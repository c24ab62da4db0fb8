import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const load = (env: Record<string, string>) => loadConfig(env, '/srv/depot');

describe('scale-out settings', () => {
  it('takes the lock Redis from DEPOT_REDIS_URL, else from a redis:// DEPOT_QUEUE, else none', () => {
    expect(load({}).redisUrl).toBeUndefined();
    expect(load({ DEPOT_QUEUE: 'redis://q:6379' }).redisUrl).toBe('redis://q:6379');
    expect(load({ DEPOT_QUEUE: 'redis://q:6379', DEPOT_REDIS_URL: 'rediss://l:6380/2' }).redisUrl).toBe(
      'rediss://l:6380/2',
    );
    expect(() => load({ DEPOT_REDIS_URL: 'http://l' })).toThrow(/^DEPOT_REDIS_URL="http:\/\/l" is not valid/);
  });

  it('takes the BullMQ key prefix from DEPOT_QUEUE_PREFIX, and refuses one Redis keys should not carry', () => {
    expect(load({}).queuePrefix).toBe('depot:queue');
    expect(load({ DEPOT_QUEUE_PREFIX: '{depot}:prod' }).queuePrefix).toBe('{depot}:prod');
    expect(() => load({ DEPOT_QUEUE_PREFIX: 'has space' })).toThrow(/^DEPOT_QUEUE_PREFIX=/);
    expect(() => load({ DEPOT_QUEUE_PREFIX: 'x'.repeat(101) })).toThrow(ConfigError);
  });

  it('accepts postgres:// and s3://bucket/prefix, and refuses what they cannot be', () => {
    const c = load({
      DEPOT_DATABASE_URL: 'postgres://u:p@db/depot',
      DEPOT_STORAGE: 's3://my-bucket/depot/blobs',
    });
    expect(c.databaseUrl).toBe('postgres://u:p@db/depot');
    expect(c.storage).toBe('s3://my-bucket/depot/blobs');
    expect(() => load({ DEPOT_STORAGE: 's3://Bad_Bucket' })).toThrow(ConfigError);
    expect(() => load({ DEPOT_DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
  });

  it('reads the S3 connection from DEPOT_S3_*, falling back to the standard AWS_* variables', () => {
    const aws = load({
      AWS_ENDPOINT_URL: 'http://s3.local:9000',
      AWS_REGION: 'eu-west-3',
      AWS_ACCESS_KEY_ID: 'a',
      AWS_SECRET_ACCESS_KEY: 's',
    }).s3;
    expect(aws).toEqual({
      endpoint: 'http://s3.local:9000',
      region: 'eu-west-3',
      accessKeyId: 'a',
      secretAccessKey: 's',
    });
    const own = load({ DEPOT_S3_ENDPOINT: 'https://minio:9000', AWS_ENDPOINT_URL: 'http://other' }).s3;
    expect(own.endpoint).toBe('https://minio:9000');
    expect(() => load({ DEPOT_S3_ENDPOINT: 'minio:9000' })).toThrow(/DEPOT_S3_ENDPOINT/);
  });
});
