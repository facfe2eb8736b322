import type { FastifyInstance } from 'fastify';
import type { FetchLike, IntrospectionOptions } from 'grantry/verify';

export interface PaymentsApiOptions {
  issuer: string;
  introspection?: IntrospectionOptions;
  now?: () => number;
  fetch?: FetchLike;
  logger?: boolean;
}

export function buildPaymentsApi(options: PaymentsApiOptions): FastifyInstance;
