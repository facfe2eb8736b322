import type { paths } from '../api/schema';

/** The JSON body of a successful answer of the management API (from the generated schema). */
type Json<P extends keyof paths, M extends 'get' | 'post' | 'patch' | 'put', S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Installation = Json<'/api/v1/installations/{id}', 'get', 200>;
export type CatalogApplication = Json<'/api/v1/catalog/applications', 'get', 200>['items'][number];
export type DecoupledRequest = Json<'/api/v1/decoupled-requests/{id}', 'get', 200>;
export type SigningKey = Json<'/api/v1/keys', 'get', 200>['items'][number];
export type User = Json<'/api/v1/users/{id}', 'get', 200>;
export type CreatedUser = Json<'/api/v1/users', 'post', 201>;
export type SetupLink = Json<'/api/v1/users/{id}/setup-link', 'post', 201>;
export type AuditEvent = Json<'/api/v1/audit-events', 'get', 200>['items'][number];
export type UsageStats = Json<'/api/v1/stats', 'get', 200>;
export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';
export type MemberRole = 'owner' | 'admin' | 'developer';
export type UpdatedEndpoint = Json<'/api/v1/applications/{id}/webhooks/{webhook_id}', 'patch', 200>;
export type RotatedEndpoint = Json<'/api/v1/applications/{id}/webhooks/{webhook_id}/secret/rotate', 'post', 200>;
export type Recovered = Json<'/api/v1/applications/{id}/webhooks/{webhook_id}/recover', 'post', 202>;
export type EndpointSummary = Json<'/api/v1/webhooks', 'get', 200>['items'][number];
export type WebhookEventType = Json<'/api/v1/webhook-event-types', 'get', 200>['items'][number];
