/**
 * `/ready`, for load balancers and orchestrators: 200 when every part is ready; 503 naming the
 * parts that are not; 200 naming the degraded ones, which still serve what does not need them.
 */
import { useReadinessCheck, type Plugin } from 'graphql-yoga';

/** Ready; not ready (503); or ready without some of what it offers (live pushes wait for Redis, say). */
export type PartReadiness = boolean | 'degraded';

/** Each part's readiness, asked on every /ready. */
export type Readiness = () => Promise<Record<string, PartReadiness>> | Record<string, PartReadiness>;

export function useReadiness(readiness: Readiness): Plugin {
  return useReadinessCheck({
    endpoint: '/ready',
    check: async () => {
      const parts = Object.entries(await readiness());
      const down = parts.filter(([, state]) => state === false).map(([name]) => name);
      const degraded = parts.filter(([, state]) => state === 'degraded').map(([name]) => name);
      if (down.length === 0 && degraded.length === 0) return true;
      const body = down.length === 0 ? { ready: true, degraded } : { ready: false, down, ...(degraded.length > 0 && { degraded }) };
      return new Response(JSON.stringify(body), { status: down.length === 0 ? 200 : 503, headers: { 'content-type': 'application/json' } });
    },
  });
}
