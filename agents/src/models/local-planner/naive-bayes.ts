/**
 * A multinomial naive-Bayes intent classifier over word unigrams and bigrams, with Laplace
 * smoothing. Small, deterministic, trained in milliseconds from the example utterances shipped
 * in `intents.examples.json`; ties break by intent name so the same input always gives the same answer.
 */
export interface IntentScore {
  intent: string;
  /** Posterior probability among the intents considered. */
  p: number;
}

export interface NaiveBayes {
  classify(text: string, among?: readonly string[]): IntentScore[];
  intents: readonly string[];
}

const STOP = new Set(['the', 'a', 'an', 'to', 'of', 'for', 'please', 'can', 'you', 'could', 'would', 'me', 'i', 'is', 'are', 'my', 'our', 'we', 'do', 'it', 'that', 'this', 'on', 'in', 'at', 'with', 'about']);

export function tokens(text: string): string[] {
  const words = text
    .toLowerCase()
    // Any address is the same feature: "who is jo@acme.com" looks like every other contact lookup.
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' emailaddress ')
    .replace(/['’]s\b/g, '')
    .replace(/[^a-z0-9@.'\s-]/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^[.'-]+|[.'-]+$/g, ''))
    .filter((w) => w && !STOP.has(w))
    .map(stem);
  const grams = [...words];
  for (let i = 0; i + 1 < words.length; i++) grams.push(`${words[i]}_${words[i + 1]}`);
  return grams;
}

/** Crude suffix stripping: enough to make "calls", "called" and "calling" one feature. */
export function stem(word: string): string {
  if (word.includes('@') || /\d/.test(word)) return word;
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (word.length > suffix.length + 2 && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  }
  return word;
}

export function trainNaiveBayes(examples: Record<string, readonly string[]>): NaiveBayes {
  const intents = Object.keys(examples).sort();
  const counts = new Map<string, Map<string, number>>();
  const totals = new Map<string, number>();
  const vocabulary = new Set<string>();
  let documents = 0;
  for (const intent of intents) {
    const perIntent = new Map<string, number>();
    let total = 0;
    for (const utterance of examples[intent]) {
      documents++;
      for (const t of tokens(utterance)) {
        perIntent.set(t, (perIntent.get(t) ?? 0) + 1);
        vocabulary.add(t);
        total++;
      }
    }
    counts.set(intent, perIntent);
    totals.set(intent, total);
  }
  const v = vocabulary.size;
  return {
    intents,
    classify(text, among = intents) {
      const features = tokens(text).filter((t) => vocabulary.has(t));
      const logs = among
        .filter((intent) => counts.has(intent))
        .map((intent) => {
          const perIntent = counts.get(intent)!;
          const total = totals.get(intent)!;
          let log = Math.log(examples[intent].length / documents);
          for (const f of features) log += Math.log(((perIntent.get(f) ?? 0) + 1) / (total + v));
          return { intent, log };
        });
      if (!logs.length) return [];
      const max = Math.max(...logs.map((l) => l.log));
      const sum = logs.reduce((s, l) => s + Math.exp(l.log - max), 0);
      return logs
        .map(({ intent, log }) => ({ intent, p: Math.exp(log - max) / sum, known: features.length }))
        .sort((a, b) => b.p - a.p || a.intent.localeCompare(b.intent))
        .map(({ intent, p }) => ({ intent, p: features.length ? p : 0 }));
    },
  };
}
