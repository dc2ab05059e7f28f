/** zod schema shared by connectors for upstream timestamps, normalized to ISO 8601 UTC. */
import { z } from 'zod';

// ISO 8601 with a zone (HubSpot, Google, ad platform) or epoch milliseconds as digits (HubSpot's
// older date properties).
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An upstream timestamp string → ISO UTC string; anything unparseable is an issue naming the field. */
export const timestampSchema = z.string().transform((text, ctx) => {
  const ms = /^\d{10,14}$/.test(text) ? Number(text) : ISO_WITH_ZONE.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 timestamp, got ${JSON.stringify(text)}`, input: text });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});
