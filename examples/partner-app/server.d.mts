import type { FastifyInstance } from 'fastify';
import type { InstallationEvent, TokenStore } from 'grantry/partner';

export interface PartnerAppOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  webhookSecrets: string | string[];
  store: TokenStore;
  paymentsUrl: string;
  logger?: boolean;
  onEvent?: (event: InstallationEvent) => void | Promise<void>;
}

export function buildPartnerApp(options: PartnerAppOptions): FastifyInstance;
export function storeFromEnv(env?: NodeJS.ProcessEnv): TokenStore;
