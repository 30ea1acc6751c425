import type { Database } from './db/database.ts';
import type { Logger } from './logger.ts';
import { createContactService } from './contacts/contact.service.ts';
import { createContactMergeService } from './contacts/contact-merge.service.ts';
import { createInteractionService } from './interactions/interaction.service.ts';
import { createFollowUpService } from './follow-ups/follow-up.service.ts';
import { createUserService } from './users/user.service.ts';
import { createOutboxDispatcher } from './outbox/outbox.dispatcher.ts';
import { createAuditService } from './audit/audit.query.ts';
import { createContactImportService } from './imports/contact-import.service.ts';
import { createInteractionImportService } from './imports/interaction-import.service.ts';
import { createExportService } from './imports/export.service.ts';
import { createScoringService, type ScoringOptions } from './scoring/scoring.service.ts';
import { createKnowledgeService, type KnowledgeServiceDeps } from './knowledge/knowledge.service.ts';

/** Every domain service over one database; what the MCP servers, gateway and workers share. */
export function createCrmCore(deps: {
  db: Database;
  logger: Logger;
  outbox?: { pollMs?: number };
  /** Embeddings provider and vector store of the knowledge base; `indexInteractions: false` stops indexing from the outbox. */
  knowledge?: Omit<KnowledgeServiceDeps, 'db' | 'logger'> & { indexInteractions?: boolean };
  /** Lead-scoring thresholds and the optional Vertex AI endpoint (loadScoringConfig). */
  scoring?: ScoringOptions;
}) {
  const { db, logger } = deps;
  const outbox = createOutboxDispatcher(db, logger.child({ component: 'outbox' }), deps.outbox);
  const knowledge = createKnowledgeService({ ...deps.knowledge, db, logger });
  if (deps.knowledge?.indexInteractions !== false) knowledge.subscribe(outbox);
  return {
    db,
    logger,
    contacts: createContactService(db),
    merge: createContactMergeService(db),
    interactions: createInteractionService(db),
    followUps: createFollowUpService(db),
    users: createUserService(db),
    audit: createAuditService(db),
    imports: { ...createContactImportService(db), ...createInteractionImportService(db) },
    exports: createExportService(db),
    outbox,
    knowledge,
    scoring: createScoringService({ db, logger, options: deps.scoring }),
  };
}

export type CrmCore = ReturnType<typeof createCrmCore>;
