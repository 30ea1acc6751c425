import type { RerankerModel } from './reranker.ts';

/**
 * Written by evals/src/knowledge/fit-reranker.ts --write (do not edit by hand): pairwise logistic
 * fit on the 107 tuning questions, chosen by 5-fold CV (depth 10, all, l2 0.1).
 * CV on the tuning part: mean recall@5 0.932 (fused order 0.922), MRR 0.809 (0.804).
 */
export const RERANKER_WINS_ON_TUNING = true;

export const RERANKER_MODEL: RerankerModel = {
  "depth": 10,
  "weights": {
    "fused": 0.323,
    "fusedRr": 0.219,
    "textRr": 0.078,
    "vectorRr": 0.2545,
    "inBoth": -0.0672,
    "titleCov": 0.1509,
    "headingCov": 0.0948,
    "passageCov": 0.0794,
    "passageCovPlain": 0.0566,
    "allCov": 0.1526,
    "conceptCov": 0.2236,
    "headConceptCov": 0.4695,
    "bigram": 0.1755,
    "proximity": 0.1126,
    "charHead": 0.0718,
    "section": -0.1993,
    "firstChunk": -0.1189,
    "length": 0.1238
  },
  "mean": {
    "fused": 0.3904,
    "fusedRr": 0.2929,
    "textRr": 0.2272,
    "vectorRr": 0.2826,
    "inBoth": 0.5916,
    "titleCov": 0.0261,
    "headingCov": 0.0162,
    "passageCov": 0.2004,
    "passageCovPlain": 0.3262,
    "allCov": 0.2172,
    "conceptCov": 0.7163,
    "headConceptCov": 0.2567,
    "bigram": 0.059,
    "proximity": 0.2907,
    "charHead": 0.1142,
    "section": 0.4766,
    "firstChunk": 0.185,
    "length": 0.6817
  },
  "std": {
    "fused": 0.2382,
    "fusedRr": 0.263,
    "textRr": 0.2985,
    "vectorRr": 0.271,
    "inBoth": 0.4915,
    "titleCov": 0.0689,
    "headingCov": 0.071,
    "passageCov": 0.2322,
    "passageCovPlain": 0.2612,
    "allCov": 0.2409,
    "conceptCov": 0.3549,
    "headConceptCov": 0.3511,
    "bigram": 0.1495,
    "proximity": 0.2346,
    "charHead": 0.1357,
    "section": 0.4995,
    "firstChunk": 0.3883,
    "length": 0.0653
  }
};
