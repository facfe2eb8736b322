import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Runtime } from '../../runtime.js';
import { requirePlatformAdmin } from '../../admin/access.js';
import { usageStats } from '../../admin/usage-stats.js';
import { adminScope } from './scope.js';

const Counts = {
  client_auth_failures: Type.Integer(),
  refresh_reuse_detections: Type.Integer(),
  webhook_attempts_succeeded: Type.Integer(),
  webhook_attempts_failed: Type.Integer(),
};
const ByGrant = Type.Record(Type.String(), Type.Integer(), { description: 'Tokens issued, by grant_type (or the dialect\'s label).' });

const UsageStats = Type.Object(
  {
    from: Type.Integer({ description: 'Start of the first point, ms since the epoch.' }),
    to: Type.Integer({ description: 'End of the last point (exclusive).' }),
    bucket: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
    points: Type.Array(Type.Object({ at: Type.Integer(), tokens: ByGrant, ...Counts })),
    applications: Type.Array(
      Type.Object({
        application_id: Type.String(),
        client_id: Type.Union([Type.String(), Type.Null()], { description: 'Null once the application was deleted.' }),
        name: Type.Union([Type.String(), Type.Null()]),
        total: Type.Integer(),
        tokens: Type.Array(Type.Integer(), { description: 'Tokens issued per point, aligned with `points`.' }),
      }),
      { description: 'The ten applications that got most tokens in the window.' },
    ),
    totals: Type.Object({ tokens: ByGrant, ...Counts }),
  },
  { $id: 'UsageStats' },
);

/** The dashboard's figures: platform administrators only (they cross every organization). */
export async function statsRoutes(root: FastifyInstance, rt: Runtime): Promise<void> {
  const { app, security, withErrors } = adminScope(root, rt, { people: true });
  app.get(
    '/stats',
    {
      schema: {
        tags: ['stats'],
        security,
        description:
          'Usage over time for the dashboard: tokens issued per grant and per application, failed client authentications, refresh-token reuse detections, webhook attempts. Hourly totals of every process, written every GRANTRY_USAGE_FLUSH_INTERVAL. Default: the last 24 hours by hour (bucket=day: the last 30 days).',
        querystring: Type.Object(
          {
            from: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since the epoch; rounded down to the bucket' })),
            to: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since the epoch; rounded up to the bucket' })),
            bucket: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])),
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: UsageStats }),
      },
    },
    async (req) => {
      requirePlatformAdmin(req.principal, 'usage statistics');
      // This process's own counts are written first, so a single server's dashboard is current.
      await rt.usage.flush();
      return usageStats(rt.stores, rt.clock.now(), req.query);
    },
  );
}
