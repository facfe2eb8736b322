import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { settings } from '../../../src/config/schema.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      issuer: 'http://localhost:4000',
      dataDir: './data',
      databaseUrl: 'sqlite:./data/grantry.db',
      production: false,
      signingAlg: 'RS256',
      clientCredentialsTtl: 86400,
      maxAccessTokenTtl: 86400,
      keyActivationDelay: 3600,
      autoMigrate: true,
      metrics: true,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads environment variables', () => {
    const c = loadConfig({
      GRANTRY_PORT: '8080',
      GRANTRY_HOST: '0.0.0.0',
      GRANTRY_DATA_DIR: '/var/lib/grantry/',
      GRANTRY_SIGNING_ALG: 'ES256',
      GRANTRY_AUTO_MIGRATE: 'false',
      GRANTRY_METRICS: 'off',
      GRANTRY_DATABASE_URL: 'postgres://u@db:5432/g',
    });
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', issuer: 'http://localhost:8080', signingAlg: 'ES256', autoMigrate: false, metrics: false, databaseUrl: 'postgres://u@db:5432/g' });
    expect(loadConfig({ GRANTRY_DATA_DIR: '/var/lib/grantry/' }).databaseUrl).toBe('sqlite:/var/lib/grantry/grantry.db');
  });

  it('lets overrides (CLI flags) win over the environment, and ignores empty values', () => {
    expect(loadConfig({ GRANTRY_PORT: '8080' }, { port: 9090 }).port).toBe(9090);
    expect(loadConfig({ GRANTRY_PORT: '' }).port).toBe(4000);
  });

  it('strips trailing slashes from the issuer', () => {
    expect(loadConfig({ GRANTRY_ISSUER: 'https://auth.example.com//' }).issuer).toBe('https://auth.example.com');
  });

  it.each([
    ['GRANTRY_PORT', 'abc'],
    ['GRANTRY_PORT', '70000'],
    ['GRANTRY_CLIENT_CREDENTIALS_TTL', '1.5'],
    ['GRANTRY_DB_POOL_SIZE', '0'],
    ['GRANTRY_METRICS', 'maybe'],
    ['GRANTRY_SIGNING_ALG', 'HS256'],
    ['GRANTRY_LOG_LEVEL', 'loud'],
  ])('a bad %s=%s fails naming the variable', (env, value) => {
    const err = configError(() => loadConfig({ [env]: value }));
    expect(err.message.startsWith(`${env}:`)).toBe(true);
  });

  it('production requires an https issuer', () => {
    expect(configError(() => loadConfig({ NODE_ENV: 'production', GRANTRY_ISSUER: 'http://auth.example.com' })).message).toMatch(/GRANTRY_ISSUER.*https/);
    expect(loadConfig({ NODE_ENV: 'production', GRANTRY_ISSUER: 'https://auth.example.com' }).production).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).production).toBe(false);
  });

  it('refuses an issuer with a query or fragment, or not a URL (RFC 8414 §2)', () => {
    expect(configError(() => loadConfig({ GRANTRY_ISSUER: 'https://a.example/?x=1' })).message).toMatch(/GRANTRY_ISSUER/);
    expect(configError(() => loadConfig({ GRANTRY_ISSUER: 'https://a.example/#f' })).message).toMatch(/GRANTRY_ISSUER/);
    expect(configError(() => loadConfig({ GRANTRY_ISSUER: 'not a url' })).message).toMatch(/GRANTRY_ISSUER/);
  });

  it('checks cross-setting rules', () => {
    expect(configError(() => loadConfig({ GRANTRY_DATABASE_URL: 'mysql://x' })).message).toMatch(/GRANTRY_DATABASE_URL/);
    expect(configError(() => loadConfig({ GRANTRY_CLIENT_CREDENTIALS_TTL: '90000' })).message).toMatch(/GRANTRY_CLIENT_CREDENTIALS_TTL/);
    expect(configError(() => loadConfig({ GRANTRY_KEY_ACTIVATION_DELAY: '30', GRANTRY_KEY_REFRESH_INTERVAL: '30' })).message).toMatch(/GRANTRY_KEY_REFRESH_INTERVAL/);
    expect(loadConfig({ GRANTRY_KEY_ACTIVATION_DELAY: '0' }).keyActivationDelay).toBe(0);
  });

  it('dialects: known names only, paths outside /oauth/ and /api/, all different', () => {
    expect(loadConfig({ GRANTRY_DIALECTS: 'header-v1, authorize-v3' }).dialects).toEqual(['header-v1', 'authorize-v3']);
    expect(configError(() => loadConfig({ GRANTRY_DIALECTS: 'header-v2' })).message).toMatch(/GRANTRY_DIALECTS/);
    expect(configError(() => loadConfig({ GRANTRY_DIALECT_HEADER_V1_PATH: '/oauth/token' })).message).toMatch(/outside/);
    expect(configError(() => loadConfig({ GRANTRY_DIALECT_HEADER_V1_PATH: 'v1/token' })).message).toMatch(/absolute path/);
    expect(configError(() => loadConfig({ GRANTRY_DIALECT_AUTHORIZE_V3_PATH: '/v3/authorize-decoupled/token' })).message).toMatch(/differ/);
    expect(loadConfig({ GRANTRY_ALLOW_GET_TOKEN: 'true' }).allowGetToken).toBe(true);
  });

  it('every setting has an env name and a description', () => {
    for (const [key, s] of Object.entries(settings)) {
      expect(s.env, key).toMatch(/^(GRANTRY_[A-Z][A-Z0-9_]+|NODE_ENV)$/);
      expect(s.description.length, key).toBeGreaterThan(10);
    }
  });
});
