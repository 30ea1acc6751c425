export { analyzeSentiment, polarity, SENTIMENT_TUNING } from './sentiment.analyzer.ts';
export { createSentimentSubscriber, SENTIMENT_CONSUMER } from './sentiment.subscriber.ts';
export type { SentimentModel, SentimentSubscriberDeps } from './sentiment.subscriber.ts';
export { createModelSentiment } from './model-sentiment.ts';
