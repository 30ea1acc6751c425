/**
 * Deterministic synthetic knowledge-base documents for load benchmarks: Markdown with ~20 sections
 * of ~100 words each (about one chunk per section), drawn from an agency vocabulary so full-text
 * and vector search have realistic work to do.
 */
import { createRandom } from '@crm/core';

const WORDS = `
seo ppc social content email website design retainer proposal pricing discount invoice onboarding
audit keyword ranking campaign budget conversion landing page funnel lead prospect client agency
report dashboard analytics quarterly review strategy brand messaging copy newsletter automation
workflow crm pipeline deal forecast renewal upsell referral testimonial case study results traffic
organic paid impressions clicks cost acquisition lifetime value churn retention contract notice
cancellation refund payment terms deposit milestone timeline kickoff workshop stakeholder approval
creative video photography ads targeting audience lookalike retargeting bidding optimisation local
citations reviews reputation schema sitemap speed mobile accessibility hosting maintenance support
`.trim().split(/\s+/);
const FILLER = 'the a our your we they this that with for and to of in on by from every each'.split(' ');

const rng = createRandom;

export function syntheticDocuments(tenant: number, chunks: number): { filename: string; bytes: Uint8Array }[] {
  const r = rng(1000 + tenant);
  const pick = (xs: string[]) => xs[Math.floor(r() * xs.length)];
  const sentence = () => {
    const n = 8 + Math.floor(r() * 10);
    const words = Array.from({ length: n }, () => (r() < 0.6 ? pick(WORDS) : pick(FILLER)));
    return `${words.join(' ')}.`.replace(/^./, (c) => c.toUpperCase());
  };
  const docs: { filename: string; bytes: Uint8Array }[] = [];
  for (let d = 0; d * 20 < chunks; d++) {
    const sections = Math.min(20, chunks - d * 20);
    const parts = [`# ${pick(WORDS)} ${pick(WORDS)} guide ${tenant}-${d}`];
    for (let s = 0; s < sections; s++) {
      parts.push(`## ${pick(WORDS)} ${pick(WORDS)} ${s}`, Array.from({ length: 7 }, sentence).join(' '));
    }
    docs.push({ filename: `guides/${tenant}/${d}.md`, bytes: new TextEncoder().encode(parts.join('\n\n')) });
  }
  return docs;
}
