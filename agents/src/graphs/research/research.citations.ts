import type { Claim, Passage } from './research.state.ts';

export interface CheckedClaims {
  kept: Claim[];
  dropped: { claim: Claim; reason: string }[];
}

/** Digit groups of a text, thousands separators removed: "£1,400 per month for 12 months" → 1400, 12. */
export function numbersIn(text: string): string[] {
  return (text.match(/\d[\d,]*(?:\.\d+)?/g) ?? []).map((n) => n.replace(/,(?=\d{3}\b)/g, '').replace(/,$/, ''));
}

/**
 * The runtime's check on an answer, whoever wrote it: a claim survives only if it cites a passage
 * that was actually retrieved and graded relevant, and every number in it appears in what it cites
 * (a sum or a rate the model worked out itself is dropped, never shown).
 */
export function checkClaims(claims: readonly Claim[], evidence: readonly Passage[]): CheckedClaims {
  const byUri = new Map<string, string[]>();
  for (const p of evidence) byUri.set(p.uri, [...(byUri.get(p.uri) ?? []), `${p.title} ${p.heading} ${p.passage}`]);
  const kept: Claim[] = [];
  const dropped: CheckedClaims['dropped'] = [];
  for (const claim of claims) {
    const text = claim.text.trim();
    const citations = [...new Set(claim.citations)].filter((u) => byUri.has(u));
    if (!text) continue;
    if (!citations.length) {
      dropped.push({ claim, reason: claim.citations.length ? `cites nothing that was retrieved (${claim.citations.join(', ')})` : 'cites no passage' });
      continue;
    }
    const cited = numbersIn(citations.flatMap((u) => byUri.get(u)!).join(' '));
    const unsupported = numbersIn(text).filter((n) => !cited.includes(n));
    if (unsupported.length) {
      dropped.push({ claim, reason: `numbers not in the cited passages: ${unsupported.join(', ')}` });
      continue;
    }
    kept.push({ text, citations });
  }
  return { kept, dropped };
}

/** Each claim on its own line, ending with its citations in brackets. */
export function renderClaims(claims: readonly Claim[], quoted: boolean): string {
  const lines = claims.map((c) => `${quoted ? '- ' : ''}${c.text} ${c.citations.map((u) => `[${u}]`).join(' ')}`);
  if (!quoted) return lines.join('\n');
  const kb = claims.flatMap((c) => c.citations).map((u) => u.startsWith('crm://kb/'));
  const from = kb.every(Boolean) ? 'the knowledge base' : kb.some(Boolean) ? 'the CRM records and the knowledge base' : 'the CRM records';
  return `From ${from}:\n${lines.join('\n')}`;
}

export function citationsOf(claims: readonly Claim[]): string[] {
  return [...new Set(claims.flatMap((c) => c.citations))];
}
