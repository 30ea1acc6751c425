/**
 * Lexicon sentiment of interaction text in the design document's SentimentScore shape, offline:
 * the `sentiment` package (AFINN-165 word list + emoji, negation-aware, MIT, no dependencies)
 * scores the words; this file maps that to −1..1, a confidence and coarse emotions.
 */
import type Sentiment from 'sentiment';
import type { SentimentScore } from '../interactions/interaction.schema.ts';
import { lazyModule } from '../lazy-module.ts';

const sentimentLib = lazyModule<typeof Sentiment>('sentiment');
let engineInstance: Sentiment | undefined;
const engine = () => (engineInstance ??= new (sentimentLib())());

/** Words that signal an emotion a sales team acts on (the lexicon only knows polarity). */
const EMOTIONS: Record<string, readonly string[]> = {
  joy: ['happy', 'delighted', 'love', 'loved', 'excited', 'glad', 'thrilled', 'wonderful', 'fantastic', 'lovely', 'brilliant'],
  gratitude: ['thanks', 'thank', 'appreciate', 'appreciated', 'grateful'],
  satisfaction: ['satisfied', 'pleased', 'perfect', 'excellent', 'great', 'impressed', 'confident'],
  interest: ['interest', 'interested', 'keen', 'eager', 'curious', 'enthusiastic'],
  anger: ['angry', 'furious', 'outraged', 'unacceptable', 'hate', 'offended'],
  frustration: ['frustrated', 'frustrating', 'annoyed', 'again', 'mess', 'broken'],
  disappointment: ['disappointed', 'disappointing', 'unhappy', 'poor', 'useless', 'failed'],
  worry: ['worried', 'concerned', 'risk', 'losing', 'considering', 'overrun'],
  urgency: ['urgent', 'asap', 'immediately', 'deadline', 'outage', 'down'],
};

/** Tuned on the tuning half of the labelled sentences (see sentiment.analyzer.test.ts). */
export const SENTIMENT_TUNING = { scale: 3, neutralBand: 0.15 } as const;

export function analyzeSentiment(text: string, tuning: { scale: number; neutralBand?: number } = SENTIMENT_TUNING): SentimentScore {
  const r = engine().analyze(text ?? '');
  const matched = r.positive.length + r.negative.length;
  // tanh keeps one strong word from saturating while ten mild ones still add up.
  const score = Math.round(Math.tanh(r.score / tuning.scale) * 1000) / 1000;
  const agreement = matched ? Math.abs(r.positive.length - r.negative.length) / matched : 0;
  // More matched words and one-sided polarity ⇒ more sure; no matched word ⇒ neutral with low confidence.
  const confidence = matched ? Math.round((0.35 + 0.45 * (1 - Math.exp(-matched / 2)) + 0.2 * agreement) * 1000) / 1000 : 0.3;
  const tokens = new Set(r.tokens);
  const emotions = Object.entries(EMOTIONS)
    .filter(([, words]) => words.some((w) => tokens.has(w)))
    .map(([e]) => e);
  return { score, confidence: Math.min(1, confidence), emotions };
}

/** −1, 0 or 1 from a score, using the tuned neutral band. */
export function polarity(score: number, neutralBand: number = SENTIMENT_TUNING.neutralBand): -1 | 0 | 1 {
  return score > neutralBand ? 1 : score < -neutralBand ? -1 : 0;
}
