import { DIALECT_NAMES, settings, type Config, type Setting, type SettingKey } from './schema.js';
import { isValidCidr } from '../webhooks/address-policy.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseValue(key: string, setting: Setting<unknown>, raw: string): unknown {
  switch (setting.type) {
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${setting.env}: "${raw}" is not a whole number`);
      const n = Number(raw);
      if (setting.min !== undefined && n < setting.min) throw new ConfigError(`${setting.env}: must be at least ${setting.min}`);
      if (setting.max !== undefined && n > setting.max) throw new ConfigError(`${setting.env}: must be at most ${setting.max}`);
      return n;
    }
    case 'boolean': {
      if (key === 'production') return raw === 'production';
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${setting.env}: "${raw}" is not true or false`);
    }
    case 'list':
      return raw
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    case 'string':
      if (setting.choices && !setting.choices.includes(raw)) {
        throw new ConfigError(`${setting.env}: "${raw}" is not one of ${setting.choices.join(', ')}`);
      }
      return raw;
  }
}

/**
 * Builds the configuration from defaults, the environment and explicit overrides (CLI flags), in
 * that order of precedence (overrides win). Fails fast with the variable's name.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings) as [SettingKey, Setting<unknown>][]) {
    const raw = env[setting.env];
    out[key] = raw === undefined || raw === '' ? setting.default : parseValue(key, setting, raw);
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) out[key] = value;
  }
  const config = out as Config;
  if (config.databaseUrl === '') config.databaseUrl = `sqlite:${config.dataDir.replace(/\/$/, '')}/grantry.db`;
  if (config.issuer === '') config.issuer = `${config.tlsCert ? 'https' : 'http'}://localhost:${config.port}`;
  config.issuer = config.issuer.replace(/\/+$/, '');
  validate(config);
  return Object.freeze(config);
}

function validate(config: Config): void {
  let issuer: URL;
  try {
    issuer = new URL(config.issuer);
  } catch {
    throw new ConfigError(`GRANTRY_ISSUER: "${config.issuer}" is not a URL`);
  }
  // RFC 8414 §2: the issuer is an https URL with no query or fragment.
  if (issuer.search || issuer.hash) throw new ConfigError('GRANTRY_ISSUER: must not have a query or fragment');
  if (config.production && issuer.protocol !== 'https:') {
    throw new ConfigError('GRANTRY_ISSUER: must be an https URL when NODE_ENV=production');
  }
  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(config.databaseUrl)) {
    throw new ConfigError('GRANTRY_DATABASE_URL: must start with sqlite: or postgres://');
  }
  if (config.clientCredentialsTtl > config.maxAccessTokenTtl) {
    throw new ConfigError('GRANTRY_CLIENT_CREDENTIALS_TTL must not exceed GRANTRY_MAX_ACCESS_TOKEN_TTL');
  }
  for (const dialect of config.dialects) {
    if (!(DIALECT_NAMES as readonly string[]).includes(dialect)) throw new ConfigError(`GRANTRY_DIALECTS: "${dialect}" is not one of ${DIALECT_NAMES.join(', ')}`);
  }
  const paths = [config.headerV1Path, config.authorizeV3Path, config.authorizeV3DecoupledPath];
  for (const path of paths) {
    if (!/^\/[A-Za-z0-9._~\/-]*$/.test(path) || path.startsWith('/oauth/') || path.startsWith('/api/')) {
      throw new ConfigError(`dialect path "${path}": must be an absolute path outside /oauth/ and /api/`);
    }
  }
  if (new Set(paths).size !== paths.length) throw new ConfigError('the dialect paths must differ');
  if ((config.tlsCert === '') !== (config.tlsKey === '')) throw new ConfigError('GRANTRY_TLS_CERT and GRANTRY_TLS_KEY go together');
  for (const origin of config.corsOrigins) {
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {
      url = null;
    }
    // An origin is scheme://host[:port], nothing more (RFC 6454 §6.2).
    if (!url || url.origin !== origin) throw new ConfigError(`GRANTRY_CORS_ORIGINS: "${origin}" is not an origin such as https://app.example.com`);
  }
  trustProxySetting(config.trustProxy);
  for (const cidr of config.webhookAllowedNetworks) {
    if (!isValidCidr(cidr)) throw new ConfigError(`GRANTRY_WEBHOOK_ALLOWED_NETWORKS: "${cidr}" is not a CIDR such as 127.0.0.0/8 or fd00::/8`);
  }
  if (config.keyActivationDelay > 0 && config.keyRefreshInterval >= config.keyActivationDelay) {
    throw new ConfigError(
      'GRANTRY_KEY_REFRESH_INTERVAL must be shorter than GRANTRY_KEY_ACTIVATION_DELAY, or another process could sign with a key this one does not publish yet',
    );
  }
}

/** GRANTRY_TRUST_PROXY as Fastify's `trustProxy`: false, true, the n nearest hops, or addresses/CIDRs. */
export function trustProxySetting(value: string): boolean | string[] | ((address: string, hop: number) => boolean) {
  const v = value.trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) {
    // Trust the n nearest hops (proxy-addr's trust function: hop 0 is the socket's peer).
    const hops = Number(v);
    return (_address: string, hop: number) => hop < hops;
  }
  const list = v.split(',').map((x) => x.trim()).filter(Boolean);
  for (const entry of list) {
    const [address, bits] = entry.split('/');
    if (!isValidCidr(bits === undefined ? `${address}/${address!.includes(':') ? 128 : 32}` : entry)) {
      throw new ConfigError(`GRANTRY_TRUST_PROXY: "${entry}" is not true, a number of hops, an address or a CIDR`);
    }
  }
  return list;
}
