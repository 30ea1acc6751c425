/**
 * Scores the sentiment of each newly logged interaction (outbox `interaction.logged`) and stores it
 * in `interactions.sentiment` — the column the Interaction model already has — unless the caller
 * logged one. The model provider scores when configured; the lexicon is the default and the fallback.
 */
import { SentimentScore } from '../interactions/interaction.schema.ts';
import type { Logger } from '../logger.ts';
import type { Subscription } from '../outbox/outbox.dispatcher.ts';
import type { OutboxEvent } from '../outbox/outbox.schema.ts';
import { analyzeSentiment } from './sentiment.analyzer.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

export const SENTIMENT_CONSUMER = 'sentiment';

export type SentimentModel = (text: string, ctx?: { tenantId: string }) => Promise<SentimentScore>;

export interface SentimentSubscriberDeps {
  db: DatabaseHandle;
  logger?: Logger;
  /** e.g. a prompt to the tenant's model provider; its answer is validated, and the lexicon is used when it fails. */
  model?: SentimentModel;
}

type LoggedInteraction = { id?: string; subject?: string | null; content?: string; sentiment?: unknown };

export function createSentimentSubscriber(deps: SentimentSubscriberDeps): Subscription {
  const db = () => databaseOf(deps.db);
  /** The text to score, or null when there is nothing to do (no text, or the caller gave a sentiment). */
  const textOf = (event: OutboxEvent): { id: string; text: string } | null => {
    const interaction = (event.payload as { interaction?: LoggedInteraction }).interaction;
    if (!interaction?.id || interaction.sentiment) return null;
    const text = [interaction.subject, interaction.content].filter(Boolean).join('\n');
    return text.trim() ? { id: interaction.id, text } : null;
  };
  async function score(tenantId: string, interactionId: string, text: string): Promise<SentimentScore> {
    if (deps.model) {
      try {
        return SentimentScore.parse(await deps.model(text, { tenantId }));
      } catch (err) {
        deps.logger?.warn({ err, interactionId }, 'model sentiment failed; using the lexicon');
      }
    }
    return analyzeSentiment(text);
  }
  return {
    consumer: SENTIMENT_CONSUMER,
    types: ['interaction.logged'],
    async handler(event) {
      const it = textOf(event);
      if (!it) return;
      const s = await score(event.tenantId, it.id, it.text);
      await db().withTenant(event.tenantId, (em) => em.execute('UPDATE interactions SET sentiment = ?::jsonb WHERE id = ? AND sentiment IS NULL', [JSON.stringify(s), it.id]));
    },
    // one UPDATE per tenant for the whole batch (the model, when configured, still scores each text)
    async handleBatch(events, { signal }) {
      const byTenant = new Map<string, { id: string; text: string }[]>();
      for (const e of events) {
        const it = textOf(e);
        if (!it) continue;
        const list = byTenant.get(e.tenantId);
        if (list) list.push(it);
        else byTenant.set(e.tenantId, [it]);
      }
      for (const [tenantId, list] of byTenant) {
        signal.throwIfAborted();
        const scores: SentimentScore[] = [];
        for (let i = 0; i < list.length; i += MODEL_CONCURRENCY) {
          scores.push(...(await Promise.all(list.slice(i, i + MODEL_CONCURRENCY).map((it) => score(tenantId, it.id, it.text)))));
        }
        await db().withTenant(tenantId, (em) =>
          em.execute(
            `UPDATE interactions i SET sentiment = s.score FROM jsonb_to_recordset(?::jsonb) AS s(id uuid, score jsonb)
             WHERE i.id = s.id AND i.sentiment IS NULL`,
            [JSON.stringify(list.map((it, k) => ({ id: it.id, score: scores[k] })))],
          ),
        );
      }
    },
  };
}

/** Texts scored by the model at once within a batch (the lexicon is synchronous). */
const MODEL_CONCURRENCY = 8;
