/**
 * `GET /metrics` in Prometheus's text format, behind METRICS_SECRET when it
 * is set, and the hook that counts every HTTP error reply by its code.
 */
import type { FastifyInstance } from 'fastify';
import { errorCodeOf, sendError } from '../http/httpErrors.js';
import { hasSecret } from '../http/secrets.js';
import type { ServerMetrics, StatsSource } from './ServerMetrics.js';

export function registerMetrics(app: FastifyInstance, metrics: ServerMetrics, stats: StatsSource, secret: string | undefined): void {
  app.addHook('onResponse', async (_request, reply) => {
    const code = errorCodeOf(reply);
    if (code) metrics.countError('http', code);
  });
  app.get('/metrics', async (request, reply) => {
    if (secret && !hasSecret(request, secret)) return sendError(reply, 'unauthorized', 'Authorization: Bearer <METRICS_SECRET> is required');
    return reply.type(metrics.contentType).send(await metrics.render(stats));
  });
}
