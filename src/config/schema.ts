/**
 * The one source of truth for configuration: every setting with its environment variable, type,
 * default and description. `docs/configuration.md` is generated from this table (`npm run docs:config`)
 * and a test fails when the two drift apart.
 */

export type SettingType = 'string' | 'integer' | 'boolean' | 'list';

export interface Setting<T> {
  env: string;
  /** The `grantry serve` flag, where one exists. */
  flag?: string;
  type: SettingType;
  default: T;
  /** How the default reads in the docs when it is computed rather than constant. */
  defaultDoc?: string;
  description: string;
  min?: number;
  max?: number;
  choices?: readonly string[];
}

const s = <T>(setting: Setting<T>): Setting<T> => setting;

export const SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** Alternative wire shapes of the token endpoint (src/protocol/dialects/), each off until listed. */
export const DIALECT_NAMES = ['header-v1', 'authorize-v3'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

export const settings = {
  port: s<number>({
    env: 'GRANTRY_PORT',
    flag: '--port',
    type: 'integer',
    default: 4000,
    min: 0,
    max: 65535,
    description: 'TCP port the server listens on (0 picks a free port).',
  }),
  host: s<string>({
    env: 'GRANTRY_HOST',
    flag: '--host',
    type: 'string',
    default: '127.0.0.1',
    description: 'Address the server binds to. Use 0.0.0.0 behind a load balancer.',
  }),
  issuer: s<string>({
    env: 'GRANTRY_ISSUER',
    flag: '--issuer',
    type: 'string',
    default: '',
    defaultDoc: '`http://localhost:<port>` (`https://` with `GRANTRY_TLS_CERT`)',
    description:
      'Issuer identifier (RFC 8414 §2): the `iss` of every token and the base of the metadata URLs. Must be https when NODE_ENV=production.',
  }),
  workers: s<number>({
    env: 'GRANTRY_WORKERS',
    flag: '--workers',
    type: 'integer',
    default: 1,
    min: 0,
    max: 256,
    description:
      'Server processes accepting connections on one port (node:cluster); 0 = one per CPU. They share only the database, like separate instances. 1 runs in a single process.',
  }),
  tlsCert: s<string>({
    env: 'GRANTRY_TLS_CERT',
    flag: '--tls-cert',
    type: 'string',
    default: '',
    defaultDoc: '(none)',
    description: 'PEM certificate chain file: with `GRANTRY_TLS_KEY`, Grantry serves HTTPS itself instead of behind a TLS-terminating proxy.',
  }),
  tlsKey: s<string>({
    env: 'GRANTRY_TLS_KEY',
    flag: '--tls-key',
    type: 'string',
    default: '',
    defaultDoc: '(none)',
    description: 'PEM private key file of `GRANTRY_TLS_CERT`.',
  }),
  trustProxy: s<string>({
    env: 'GRANTRY_TRUST_PROXY',
    type: 'string',
    default: '',
    defaultDoc: '(none)',
    description:
      'Which proxies to believe about the client (`X-Forwarded-For`, `X-Forwarded-Proto`): `true` for any, a number of hops, or comma-separated addresses/CIDRs of the load balancers. Decides the address that failure limits count and whether a request came over https (then `Strict-Transport-Security` is sent). Empty: the socket is the truth.',
  }),
  corsOrigins: s<string[]>({
    env: 'GRANTRY_CORS_ORIGINS',
    type: 'list',
    default: [],
    defaultDoc: '(none)',
    description:
      'Comma-separated origins (e.g. `https://app.example.com`) that browsers may call the OAuth endpoints and metadata from (single-page public clients). The management API and the pages never answer cross-origin requests.',
  }),
  dataDir: s<string>({
    env: 'GRANTRY_DATA_DIR',
    flag: '--data-dir',
    type: 'string',
    default: './data',
    description: 'Folder for the embedded SQLite database and the development master key.',
  }),
  databaseUrl: s<string>({
    env: 'GRANTRY_DATABASE_URL',
    flag: '--database-url',
    type: 'string',
    default: '',
    defaultDoc: '`sqlite:<data dir>/grantry.db`',
    description:
      '`sqlite:<path>` for the embedded database, or `postgres://user@host:port/db` for PostgreSQL. A `postgres://` URL may carry `?options=-c search_path=<schema>` to use a schema.',
  }),
  dbPoolSize: s<number>({
    env: 'GRANTRY_DB_POOL_SIZE',
    type: 'integer',
    default: 10,
    min: 1,
    max: 200,
    description: 'Maximum PostgreSQL connections per process.',
  }),
  autoMigrate: s<boolean>({
    env: 'GRANTRY_AUTO_MIGRATE',
    type: 'boolean',
    default: true,
    description:
      'Apply pending database migrations when a command starts. Set to false to migrate only with `grantry migrate`; then a server refuses to start on an outdated schema.',
  }),
  masterKey: s<string>({
    env: 'GRANTRY_MASTER_KEY',
    type: 'string',
    default: '',
    defaultDoc: 'generated into `<data dir>/master.key` in development',
    description:
      '32 random bytes, base64 (`openssl rand -base64 32`). Encrypts signing keys and the hash pepper at rest. Required when NODE_ENV=production; instances sharing a database share it.',
  }),
  production: s<boolean>({
    env: 'NODE_ENV',
    type: 'boolean',
    default: false,
    defaultDoc: 'true when NODE_ENV=production',
    description: 'Strict checks: master key required, https issuer, https webhook URLs.',
  }),
  logLevel: s<string>({
    env: 'GRANTRY_LOG_LEVEL',
    flag: '--log-level',
    type: 'string',
    default: 'info',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    description: 'pino log level. Request lines are logged at `info`; secrets and tokens never are.',
  }),
  signingAlg: s<SigningAlg>({
    env: 'GRANTRY_SIGNING_ALG',
    flag: '--signing-alg',
    type: 'string',
    default: 'RS256',
    choices: SIGNING_ALGS,
    description: 'Algorithm of newly generated signing keys (RS256 with 2048-bit RSA, ES256 with P-256, EdDSA with Ed25519).',
  }),
  keyActivationDelay: s<number>({
    env: 'GRANTRY_KEY_ACTIVATION_DELAY',
    type: 'integer',
    default: 3600,
    min: 0,
    description:
      'Seconds a rotated-in key is published in JWKS before it signs. Keep it at least the JWKS cache lifetime so every verifier has the key before it sees a token.',
  }),
  jwksMaxAge: s<number>({
    env: 'GRANTRY_JWKS_MAX_AGE',
    type: 'integer',
    default: 300,
    min: 0,
    description: 'Cache-Control max-age (seconds) of the JWKS document.',
  }),
  keyRefreshInterval: s<number>({
    env: 'GRANTRY_KEY_REFRESH_INTERVAL',
    type: 'integer',
    default: 30,
    min: 1,
    description:
      'Seconds between reloads of the signing keys from the database, so a rotation made by another process or the CLI is picked up. Must be shorter than the activation delay.',
  }),
  clientCacheTtl: s<number>({
    env: 'GRANTRY_CLIENT_CACHE_TTL',
    type: 'integer',
    default: 5,
    min: 0,
    description:
      'Seconds an application and its secret hashes are cached in memory. A change made through another process (or the CLI) is seen within this bound; changes made through this process are seen at once.',
  }),
  clientAuthFailureLimit: s<number>({
    env: 'GRANTRY_CLIENT_AUTH_FAILURE_LIMIT',
    type: 'integer',
    default: 10,
    min: 1,
    max: 100000,
    description:
      'Failed client authentications of one client from one address per minute; the next attempts from that address get 429 with Retry-After until the minute ends. Never counted per client alone, so nobody can lock a client out from elsewhere.',
  }),
  clientAuthFailureAddressLimit: s<number>({
    env: 'GRANTRY_CLIENT_AUTH_FAILURE_ADDRESS_LIMIT',
    type: 'integer',
    default: 100,
    min: 1,
    max: 1000000,
    description: 'Failed client authentications from one address per minute, whatever the client, before that address gets 429 for the rest of the minute. Counted per process.',
  }),
  changePollInterval: s<number>({
    env: 'GRANTRY_CHANGE_POLL_INTERVAL',
    type: 'integer',
    default: 1000,
    min: 100,
    max: 60000,
    description:
      'SQLite only: milliseconds between two checks for changes made by other processes on the same database file (PostgreSQL is told at once with LISTEN/NOTIFY). A change to an application or the signing keys is seen by every process within this bound.',
  }),
  clientCredentialsTtl: s<number>({
    env: 'GRANTRY_CLIENT_CREDENTIALS_TTL',
    type: 'integer',
    default: 86400,
    min: 60,
    description: 'Lifetime (seconds) of client_credentials access tokens (seed 001: 24 h). Per application: `access_token_ttl`.',
  }),
  refreshAccessTokenTtl: s<number>({
    env: 'GRANTRY_REFRESH_ACCESS_TOKEN_TTL',
    type: 'integer',
    default: 3600,
    min: 60,
    description: 'Lifetime (seconds) of access tokens issued by the refresh_token grant (seeds 000, 002, 003: 1 h). Per application: `access_token_ttl`.',
  }),
  webhookAccessTokenTtl: s<number>({
    env: 'GRANTRY_WEBHOOK_ACCESS_TOKEN_TTL',
    type: 'integer',
    default: 300,
    min: 60,
    description: 'Lifetime (seconds) of the access token delivered inside an INSTALLATION.CREATE/UPDATE webhook.',
  }),
  refreshTokenTtl: s<number>({
    env: 'GRANTRY_REFRESH_TOKEN_TTL',
    type: 'integer',
    default: 2592000,
    min: 0,
    description:
      'Idle lifetime (seconds) of a refresh token: unused this long, it expires (seed 002: one month). Each use starts a new period. 0 = no expiry while the installation lives (seed 000). Per application: `refresh_token_ttl`.',
  }),
  refreshFamilyMaxAge: s<number>({
    env: 'GRANTRY_REFRESH_FAMILY_MAX_AGE',
    type: 'integer',
    default: 0,
    min: 0,
    description: 'Absolute lifetime (seconds) of a refresh-token family, which rotation never extends. 0 = no cap. Per application: `refresh_family_max_age`.',
  }),
  refreshGracePeriod: s<number>({
    env: 'GRANTRY_REFRESH_GRACE_PERIOD',
    type: 'integer',
    default: 0,
    min: 0,
    max: 300,
    description:
      'Seconds during which a just-rotated refresh token, presented again by the same client, returns the same successor pair (a retried lost response) instead of counting as reuse. 0 = off, as Auth0 and Hydra. Per application: `refresh_grace_period`.',
  }),
  maxAccessTokenTtl: s<number>({
    env: 'GRANTRY_MAX_ACCESS_TOKEN_TTL',
    type: 'integer',
    default: 86400,
    min: 60,
    description:
      'Longest access-token lifetime (seconds) any application may be given. A retired signing key stays in JWKS this long, so every token it signed can still be verified.',
  }),
  bodyLimit: s<number>({
    env: 'GRANTRY_BODY_LIMIT',
    type: 'integer',
    default: 16384,
    min: 1024,
    description: 'Largest request body in bytes; a larger one is refused with 413.',
  }),
  requestTimeout: s<number>({
    env: 'GRANTRY_REQUEST_TIMEOUT',
    type: 'integer',
    default: 30000,
    min: 0,
    max: 3600000,
    description:
      'Milliseconds a client may take to send a whole request (headers and body); a slower one gets 408 and the connection is closed, so slow clients (slowloris) cannot hold connections open. 0 = no limit.',
  }),
  connectionTimeout: s<number>({
    env: 'GRANTRY_CONNECTION_TIMEOUT',
    type: 'integer',
    default: 60000,
    min: 0,
    max: 3600000,
    description: 'Milliseconds of socket inactivity after which a connection is closed (including idle keep-alive connections). 0 = no limit.',
  }),
  webhookAllowedNetworks: s<string[]>({
    env: 'GRANTRY_WEBHOOK_ALLOWED_NETWORKS',
    type: 'list',
    default: [],
    defaultDoc: '(none)',
    description:
      'Comma-separated CIDRs (e.g. `127.0.0.0/8,10.1.0.0/16`) that webhook URLs may resolve to although they are private, loopback, link-local or otherwise non-public; a URL whose addresses all lie inside them may also use http. Cloud metadata addresses (169.254.169.254, fd00:ec2::254) are refused regardless.',
  }),
  metrics: s<boolean>({
    env: 'GRANTRY_METRICS',
    type: 'boolean',
    default: true,
    description: 'Serve Prometheus metrics at /metrics.',
  }),
  setupLinkTtl: s<number>({
    env: 'GRANTRY_SETUP_LINK_TTL',
    type: 'integer',
    default: 259200,
    min: 300,
    max: 30 * 86400,
    description: 'Seconds a one-time setup link (a new user without a password, or a password reset by an administrator) stays usable.',
  }),
  dialects: s<string[]>({
    env: 'GRANTRY_DIALECTS',
    type: 'list',
    default: [],
    defaultDoc: '(none)',
    choices: DIALECT_NAMES,
    description:
      'Comma-separated alternative wire shapes of the token endpoint to serve beside `/oauth/token`: `header-v1` (seed 003: `partnerId` and `grantType` headers, `{"refreshToken"}` body) and `authorize-v3` (seed 004: `/v3/authorize/token` and `/v3/authorize-decoupled/token`). See docs/dialects.md.',
  }),
  headerV1Path: s<string>({
    env: 'GRANTRY_DIALECT_HEADER_V1_PATH',
    type: 'string',
    default: '/v1/auth/token',
    description: 'Where the `header-v1` dialect is served.',
  }),
  authorizeV3Path: s<string>({
    env: 'GRANTRY_DIALECT_AUTHORIZE_V3_PATH',
    type: 'string',
    default: '/v3/authorize/token',
    description: 'Where the `authorize-v3` dialect serves the authorization-code and refresh grants.',
  }),
  authorizeV3DecoupledPath: s<string>({
    env: 'GRANTRY_DIALECT_AUTHORIZE_V3_DECOUPLED_PATH',
    type: 'string',
    default: '/v3/authorize-decoupled/token',
    description: 'Where the `authorize-v3` dialect serves decoupled authorization (its `code` is the `auth_req_id` of `/oauth/bc-authorize`).',
  }),
  authorizeV3AccessTokenTtl: s<number>({
    env: 'GRANTRY_DIALECT_AUTHORIZE_V3_ACCESS_TOKEN_TTL',
    type: 'integer',
    default: 300,
    min: 60,
    max: 86400,
    description: 'Lifetime in seconds of the access tokens issued at the `authorize-v3` paths (seed 004: 5 minutes).',
  }),
  allowGetToken: s<boolean>({
    env: 'GRANTRY_ALLOW_GET_TOKEN',
    type: 'boolean',
    default: false,
    description:
      'Serve `GET /oauth/token` (parameters in the query or the body), as the seed 001 document shows. Off: such a request gets 405 with an RFC 6749 error body that says to use POST. A client secret is never accepted in the query.',
  }),
  sessionTtl: s<number>({
    env: 'GRANTRY_SESSION_TTL',
    type: 'integer',
    default: 43200,
    min: 300,
    max: 30 * 86400,
    description: 'Seconds a browser sign-in stays valid without activity (sliding); signing out or disabling the user ends it at once.',
  }),
  decoupledRequestTtl: s<number>({
    env: 'GRANTRY_DECOUPLED_REQUEST_TTL',
    type: 'integer',
    default: 600,
    min: 30,
    max: 86400,
    description: 'Seconds a decoupled (CIBA) authorization request waits for the user before it expires (`expires_in`).',
  }),
  decoupledPollInterval: s<number>({
    env: 'GRANTRY_DECOUPLED_POLL_INTERVAL',
    type: 'integer',
    default: 5,
    min: 1,
    max: 60,
    description: 'Minimum seconds between two polls of one decoupled request (`interval`); a faster poll gets `slow_down` and the interval grows by 5 s.',
  }),
  purgeInterval: s<number>({
    env: 'GRANTRY_PURGE_INTERVAL',
    type: 'integer',
    default: 3600,
    min: 0,
    max: 7 * 86400,
    description:
      'Seconds between two runs of the purge job in each server process, which deletes expired rows (codes, revocations, spent refresh tokens, sessions, old webhook logs) in bounded batches; the first run comes within 5 minutes of start. 0 = off (run `grantry purge` from a scheduler instead). See docs/operations.md, "Retention and purging".',
  }),
  purgeSpentRefreshAfter: s<number>({
    env: 'GRANTRY_PURGE_SPENT_REFRESH_AFTER',
    type: 'integer',
    default: 2592000,
    min: 3600,
    description:
      'Seconds a spent (rotated) refresh token is kept after it was spent; likewise the tokens of a revoked family after the revocation, and a token after it expired. Reuse detection needs the spent row: a spent token presented after it was purged gets `invalid_grant` but no longer revokes its family.',
  }),
  webhookLease: s<number>({
    env: 'GRANTRY_WEBHOOK_LEASE',
    type: 'integer',
    default: 60,
    min: 20,
    max: 3600,
    description:
      'Seconds a worker holds a claimed webhook delivery while sending it. A worker that crashes mid-send leaves its deliveries to others after this long (the attempt stays spent). Must exceed the 15-second send timeout plus the pacing of rate-limited endpoints (3 s).',
  }),
  webhookFailingDisableAfter: s<number>({
    env: 'GRANTRY_WEBHOOK_FAILING_DISABLE_AFTER',
    type: 'integer',
    default: 432000,
    min: 0,
    description:
      'Seconds after which an endpoint that has had only failed attempts is disabled with reason `failing`: its pending deliveries are held (never dropped) until someone re-enables it, which releases them. Any successful attempt restarts the count. 0 = never disable.',
  }),
  webhookLogRetention: s<number>({
    env: 'GRANTRY_WEBHOOK_LOG_RETENTION',
    type: 'integer',
    default: 2592000,
    min: 3600,
    description: 'Seconds a finished webhook delivery (succeeded, failed, cancelled, superseded) and its attempt log are kept after it finished. Pending and held deliveries are never purged.',
  }),
  usageRetention: s<number>({
    env: 'GRANTRY_USAGE_RETENTION',
    type: 'integer',
    default: 7776000,
    min: 86400,
    description: 'Seconds the hourly usage totals behind the console\'s dashboard (tokens per grant and application, failed client authentications, reuse detections, webhook attempts) are kept; the purge job deletes older hours.',
  }),
  usageFlushInterval: s<number>({
    env: 'GRANTRY_USAGE_FLUSH_INTERVAL',
    type: 'integer',
    default: 10,
    min: 1,
    max: 3600,
    description: 'Seconds between two writes of a server process\'s usage totals to the database (the token path only counts in memory). The dashboard shows other processes\' traffic this much later; a process killed with SIGKILL loses at most this much of its counts (statistics only: nothing security-relevant).',
  }),
  purgeBatchSize: s<number>({
    env: 'GRANTRY_PURGE_BATCH_SIZE',
    type: 'integer',
    default: 500,
    min: 1,
    max: 10000,
    description: 'Rows the purge job deletes per statement, so no statement holds locks for long.',
  }),
} as const;

export type Settings = typeof settings;
export type SettingKey = keyof Settings;
export type Config = { [K in SettingKey]: Settings[K]['default'] };
