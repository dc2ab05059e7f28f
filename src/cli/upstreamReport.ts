/** How the upstreams' setup is reported: the start banner's lines and the `upstreams` section of `/readyz`. */
import type { ReadinessCheck } from '../http/index.ts';
import type { UpstreamSetups, UpstreamState } from '../upstreamSetup.ts';

const GROUPED: UpstreamState[] = ['configured', 'simulated', 'disabled'];

/** Banner lines: the configured, simulated and disabled upstreams grouped, then one line per upstream still missing settings. */
export function describeUpstreamLines(upstreams: UpstreamSetups): string[] {
  const entries = Object.entries(upstreams);
  const groups = GROUPED.map((state) => [state, entries.filter(([, s]) => s.state === state).map(([name]) => name)] as const)
    .filter(([, names]) => names.length > 0)
    .map(([state, names]) => `${state}: ${names.join(', ')}`);
  const missing = entries
    .filter(([, s]) => s.state === 'not configured')
    .map(([name, s]) => `${name} not configured: set ${s.missing.join(', ')} (its routes answer 503 until then)`);
  return [...(groups.length ? [groups.join(' · ')] : []), ...missing];
}

/** The `upstreams` section of `/readyz`: each upstream's state and the variables it lacks. Informational, never degraded. */
export function upstreamsReadinessCheck(upstreams: UpstreamSetups): ReadinessCheck {
  return {
    name: 'upstreams',
    async check() {
      return Object.fromEntries(Object.entries(upstreams).map(([name, s]) => [name, s.missing.length ? { state: s.state, missing: s.missing } : { state: s.state }]));
    },
  };
}
