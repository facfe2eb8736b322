import { Type, type TSchema } from '@sinclair/typebox';

/** Request and response schemas of the management API: the OpenAPI document is generated from them. */

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem document' },
);

export const errorResponses = {
  400: Type.Ref('Problem'),
  401: Type.Ref('Problem'),
  403: Type.Ref('Problem'),
  404: Type.Ref('Problem'),
  409: Type.Ref('Problem'),
};

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` to get the next page; null on the last page.' }) });

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });

export const Organization = Type.Object({
  id: Type.String(),
  type: Type.Union([Type.Literal('merchant'), Type.Literal('partner'), Type.Literal('platform')]),
  name: Type.String(),
  created_at: Type.Integer({ description: 'epoch milliseconds' }),
});

export const CreateOrganization = Type.Object(
  { type: Type.String({ description: 'merchant, partner or platform' }), name: Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);

export const Scope = Type.Object({
  scope: Type.String(),
  audience: Type.String(),
  operation: Type.String(),
  description: Type.String(),
  created_at: Type.Integer(),
});

export const CreateScope = Type.Object(
  { scope: Type.String({ maxLength: 130, description: 'audience:operation, e.g. payments:create' }), description: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const UpdateScope = Type.Object({ description: Type.String({ maxLength: 500 }) }, { additionalProperties: false });

export const Secret = Type.Object({
  id: Type.String(),
  hint: Type.String({ description: 'The first characters of the secret, to tell secrets apart.' }),
  created_at: Type.Integer(),
  expires_at: Type.Union([Type.Integer(), Type.Null()]),
  active: Type.Boolean(),
});

const applicationFields = {
  name: Type.String({ maxLength: 200 }),
  scopes: Type.Array(Type.String({ maxLength: 130 }), { maxItems: 100 }),
  redirect_uris: Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 20 }),
  grant_types: Type.Array(Type.String(), { maxItems: 5 }),
  refresh_policy: Type.String({ description: 'rotate or reuse' }),
  access_token_ttl: Type.Union([Type.Integer(), Type.Null()], { description: 'seconds; null for the server default' }),
  refresh_token_ttl: Type.Union([Type.Integer(), Type.Null()], { description: 'idle lifetime of a refresh token in seconds; 0 = no expiry while installed; null for the server default' }),
  refresh_family_max_age: Type.Union([Type.Integer(), Type.Null()], { description: 'absolute lifetime of a refresh-token family in seconds; 0 = none; null for the server default' }),
  refresh_grace_period: Type.Union([Type.Integer(), Type.Null()], { description: 'seconds a rotated refresh token may be replayed for the same successor; null for the server default' }),
  logo_uri: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()], { description: 'https URL of a logo shown on the consent page; null for none' }),
  partner_id: Type.Union([Type.Integer(), Type.Null()], { description: 'numeric alias for the header-v1 dialect (seed 003 `partnerId`, int32); null for none' }),
};

export const Application = Type.Object({
  id: Type.String(),
  client_id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  organization_id: Type.String(),
  scopes: Type.Array(Type.String()),
  redirect_uris: Type.Array(Type.String()),
  grant_types: Type.Array(Type.String()),
  refresh_policy: Type.String(),
  access_token_ttl: Type.Union([Type.Integer(), Type.Null()]),
  refresh_token_ttl: Type.Union([Type.Integer(), Type.Null()]),
  refresh_family_max_age: Type.Union([Type.Integer(), Type.Null()]),
  refresh_grace_period: Type.Union([Type.Integer(), Type.Null()]),
  logo_uri: Type.Union([Type.String(), Type.Null()]),
  partner_id: Type.Union([Type.Integer(), Type.Null()]),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
  secrets: Type.Optional(Type.Array(Secret)),
});

export const CreatedApplication = Type.Intersect([
  Application,
  Type.Object({ client_secret: Type.Union([Type.String(), Type.Null()], { description: 'Shown once; null for public applications.' }) }),
]);

export const CreateApplication = Type.Object(
  {
    name: applicationFields.name,
    type: Type.String({ description: 'merchant, third_party, native or public' }),
    organization_id: Type.String(),
    scopes: Type.Optional(applicationFields.scopes),
    redirect_uris: Type.Optional(applicationFields.redirect_uris),
    grant_types: Type.Optional(applicationFields.grant_types),
    refresh_policy: Type.Optional(applicationFields.refresh_policy),
    access_token_ttl: Type.Optional(applicationFields.access_token_ttl),
    refresh_token_ttl: Type.Optional(applicationFields.refresh_token_ttl),
    refresh_family_max_age: Type.Optional(applicationFields.refresh_family_max_age),
    refresh_grace_period: Type.Optional(applicationFields.refresh_grace_period),
    logo_uri: Type.Optional(applicationFields.logo_uri),
    partner_id: Type.Optional(applicationFields.partner_id),
    client_id: Type.Optional(Type.String({ maxLength: 128, description: 'Import an existing client id (migration).' })),
    client_secret: Type.Optional(Type.String({ maxLength: 256, description: 'Import an existing client secret (migration).' })),
  },
  { additionalProperties: false },
);

export const UpdateApplication = Type.Object(
  {
    name: Type.Optional(applicationFields.name),
    scopes: Type.Optional(applicationFields.scopes),
    redirect_uris: Type.Optional(applicationFields.redirect_uris),
    grant_types: Type.Optional(applicationFields.grant_types),
    refresh_policy: Type.Optional(applicationFields.refresh_policy),
    access_token_ttl: Type.Optional(applicationFields.access_token_ttl),
    refresh_token_ttl: Type.Optional(applicationFields.refresh_token_ttl),
    refresh_family_max_age: Type.Optional(applicationFields.refresh_family_max_age),
    refresh_grace_period: Type.Optional(applicationFields.refresh_grace_period),
    logo_uri: Type.Optional(applicationFields.logo_uri),
    partner_id: Type.Optional(applicationFields.partner_id),
  },
  { additionalProperties: false },
);

export const RotateSecret = Type.Object(
  {
    expire_others_in: Type.Optional(Type.Integer({ minimum: 0, description: 'Seconds until the other active secrets expire; 0 revokes them now.' })),
    expires_in: Type.Optional(Type.Integer({ minimum: 0, description: 'Seconds until the new secret expires; none by default.' })),
    client_secret: Type.Optional(Type.String({ maxLength: 256, description: 'Import an existing secret instead of generating one.' })),
  },
  { additionalProperties: false },
);

export const RotatedSecret = Type.Object({ client_secret: Type.String({ description: 'Shown once.' }), secret: Secret, secrets: Type.Array(Secret) });

export const SigningKey = Type.Object({
  kid: Type.String(),
  alg: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('retired')]),
  created_at: Type.Integer(),
  activates_at: Type.Integer(),
  retired_at: Type.Union([Type.Integer(), Type.Null()]),
  removed_at: Type.Union([Type.Integer(), Type.Null()]),
});

export const RotateKey = Type.Object(
  { alg: Type.Optional(Type.Union([Type.Literal('RS256'), Type.Literal('ES256'), Type.Literal('EdDSA')])) },
  { additionalProperties: false },
);

export const AuditEvent = Type.Object({
  id: Type.String(),
  at: Type.Integer(),
  actor: Type.String(),
  action: Type.String(),
  target_type: Type.String(),
  target_id: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
});

export const Me = Type.Object(
  {
    actor: Type.String({ description: 'How the audit log names the caller: `app:<client_id>` or `user:<id>`.' }),
    platform_admin: Type.Boolean({ description: 'True for the admin application\'s token and for a person with platform_admin: every right.' }),
    user: Type.Union(
      [Type.Object({ id: Type.String(), email: Type.String(), name: Type.String(), platform_admin: Type.Boolean() }), Type.Null()],
      { description: 'The person; null for an admin application\'s token.' },
    ),
    memberships: Type.Array(
      Type.Object({
        organization: Type.Object({ id: Type.String(), name: Type.String(), type: Type.Union([Type.Literal('merchant'), Type.Literal('partner'), Type.Literal('platform')]) }),
        role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('developer')]),
      }),
      { description: 'The organizations the person belongs to and their role in each; empty for an application.' },
    ),
  },
  { description: 'The caller of the management API.' },
);

export const CatalogApplication = Type.Object(
  {
    id: Type.String(),
    client_id: Type.String(),
    name: Type.String(),
    organization_id: Type.String({ description: 'The partner organization that publishes the application.' }),
    organization_name: Type.String(),
    scopes: Type.Array(Type.String(), { description: 'The scopes an installation may grant it (a subset of these).' }),
    logo_uri: Type.Union([Type.String(), Type.Null()]),
  },
  { description: 'The public face of an installable (third-party) application: no secrets, redirect URIs or webhooks.' },
);
