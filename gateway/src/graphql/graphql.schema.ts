/**
 * The design document's GraphQL schema: queries, mutations, and subscriptions over WebSocket.
 * Input types take only what a client may set: tenantId, leadScore and ids are not fields, so a
 * mass-assignment attempt fails GraphQL validation naming the field. Core's zod schemas still
 * validate every value (VALIDATION_FAILED with the field path in extensions.details).
 */
export const GRAPHQL_SDL = /* GraphQL */ `
  scalar DateTime
  scalar JSON

  type Query {
    "Contacts with filtering; at most 100 per page (first). Cursors come from a previous page with the same first."
    contacts(first: Int = 20, after: String, filter: ContactFilter, sort: ContactSort): ContactConnection!
    contact(id: ID!): Contact
    "Pipeline, conversion, velocity, activity, response-time and sentiment metrics; groupBy adds per-segment rows."
    analytics(dateRange: DateRangeInput!, metrics: [MetricType!]!, groupBy: [GroupByDimension!], "One user's contacts and interactions (a sales rep: only their own id)." ownerId: ID): AnalyticsResult!
    "Executions of a workflow, newest first; limit at most 100."
    workflowExecutions(workflowId: ID!, status: ExecutionStatus, limit: Int = 50): [WorkflowExecution!]!
    workflow(id: ID!): Workflow
    "Workflows of the tenant; first at most 100."
    workflows(active: Boolean, first: Int = 20): [Workflow!]!
  }

  type Mutation {
    createContact(input: CreateContactInput!): CreateContactResult!
    updateContact(id: ID!, input: UpdateContactInput!): UpdateContactResult!
    logInteraction(input: LogInteractionInput!): LogInteractionResult!
    "Calculates a lead score with its factors (the stored leadScore changes on events, not here)."
    scoreContact(contactId: ID!): LeadScoringResult!
    generateInsights(input: InsightGenerationInput!): InsightGenerationResult!
    createWorkflow(input: CreateWorkflowInput!): CreateWorkflowResult!
    executeWorkflow(workflowId: ID!, input: WorkflowExecutionInput!): WorkflowExecutionResult!
  }

  "Live updates over WebSocket at /graphql (graphql-transport-ws or graphql-ws), from committed outbox events."
  type Subscription {
    "The contact each time it changes (update, status, lead score, merge), as the subscriber may read it."
    contactUpdated(contactId: ID!): Contact!
    "The execution now, then on each status change; completes once it has finished. Needs workflows:read."
    workflowExecutionStatus(executionId: ID!): WorkflowExecution!
    "Insights as they are generated that this user may read (tenant-wide numbers, or their own book). userId must be the caller's."
    newInsights(userId: ID!): AIInsight!
  }

  type Contact {
    id: ID!
    firstName: String!
    lastName: String!
    fullName: String!
    email: String!
    phone: String
    company: String
    position: String
    leadScore: Float!
    status: ContactStatus!
    source: String!
    assignedTo: User
    "Newest first; first at most 100."
    interactions(first: Int = 20, type: InteractionType): InteractionConnection!
    "The last 5 interactions."
    recentActivity: [Interaction!]!
    customFields: JSON
    lastContactDate: DateTime
    createdAt: DateTime!
    updatedAt: DateTime!
  }

  type User {
    id: ID!
    name: String!
    email: String!
    role: String!
  }

  type ContactConnection {
    edges: [ContactEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
    totalCountExact: Boolean!
  }

  type ContactEdge {
    cursor: String!
    node: Contact!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type Interaction {
    id: ID!
    contactId: ID!
    contact: Contact!
    userId: ID
    type: InteractionType!
    channel: Channel!
    subject: String
    content: String!
    direction: Direction!
    duration: Int
    outcome: String
    scheduledFollowUp: DateTime
    attachments: [String!]!
    sentiment: SentimentScore
    tags: [String!]!
    metadata: JSON
    createdAt: DateTime!
  }

  type InteractionConnection {
    edges: [InteractionEdge!]!
    pageInfo: PageInfo!
  }

  type InteractionEdge {
    cursor: String!
    node: Interaction!
  }

  type SentimentScore {
    score: Float!
    confidence: Float!
    emotions: [String!]!
  }

  type LeadScoringResult {
    contactId: ID
    score: Float!
    probability: Float!
    confidence: Float!
    source: String!
    modelVersion: Int
    factors: [ScoringFactor!]!
    recommendation: String!
    nextActions: [String!]!
    asOf: String!
  }

  type ScoringFactor {
    name: String!
    label: String!
    weight: Float!
    value: String!
    impact: ImpactLevel!
  }

  type AIInsight {
    id: ID!
    type: InsightType!
    title: String!
    description: String!
    confidence: Float!
    impact: ImpactLevel!
    recommendations: [String!]!
    dataPoints: [String!]!
    createdAt: DateTime!
  }

  type TrendAnalysis {
    metric: String!
    direction: String!
    slopePerWeek: Float!
    slopeLow: Float!
    slopeHigh: Float!
    pValue: Float!
    weeks: Int!
  }

  type ActionableRecommendation {
    insightId: ID!
    action: String!
    priority: ImpactLevel!
  }

  type InsightGenerationResult {
    insights: [AIInsight!]!
    trends: [TrendAnalysis!]!
    recommendations: [ActionableRecommendation!]!
    "Why some analyses were left out: too little history since the first activity in the period (null when none was)."
    note: String
  }

  type AnalyticsResult {
    dateRange: DateRange!
    "The period the changes compare with."
    previousPeriod: DateRange!
    "ALL for managers and marketing; OWN when a rep sees only their own contacts and interactions."
    scope: String!
    metrics: [Metric!]!
    "Per-segment rows (contacts, conversions, touches) when groupBy is given."
    groups: [AnalyticsGroup!]!
  }

  type Metric {
    key: String!
    group: String!
    name: String!
    value: Float!
    unit: String
    "Relative period-over-period change (0.25 = +25%)."
    change: Float
    trend: String!
    confidence: Float!
    benchmark: Float
    sampleSize: Int!
  }

  type AnalyticsGroup {
    dimension: GroupByDimension!
    rows: [JSON!]!
  }

  type DateRange {
    start: DateTime!
    end: DateTime!
  }

  type Workflow {
    id: ID!
    name: String!
    description: String
    version: Int!
    isActive: Boolean!
    owner: ID!
    trigger: JSON!
    steps: JSON!
    variables: JSON
    tags: [String!]!
    createdAt: DateTime!
    updatedAt: DateTime!
    lastExecuted: DateTime
    executionStats: ExecutionStats!
  }

  type ExecutionStats {
    total: Int!
    running: Int!
    waiting: Int!
    completed: Int!
    failed: Int!
    averageDurationMs: Float
  }

  type WorkflowExecution {
    id: ID!
    workflowId: ID!
    version: Int!
    status: ExecutionStatus!
    triggerType: String!
    contactId: ID
    input: JSON
    output: JSON
    error: String
    wakeAt: DateTime
    createdAt: DateTime!
    finishedAt: DateTime
  }

  type CreateContactResult {
    contact: Contact!
  }

  type UpdateContactResult {
    contact: Contact!
  }

  type LogInteractionResult {
    interaction: Interaction!
  }

  type CreateWorkflowResult {
    workflow: Workflow!
  }

  type WorkflowExecutionResult {
    execution: WorkflowExecution!
  }

  input ContactFilter {
    search: String
    status: ContactStatus
    leadScoreRange: ScoreRangeInput
    assignedTo: ID
    source: String
    createdAfter: DateTime
    createdBefore: DateTime
    lastContactedBefore: DateTime
  }

  input ScoreRangeInput {
    min: Float!
    max: Float!
  }

  input ContactSort {
    field: ContactSortField!
    direction: SortDirection = DESC
  }

  input DateRangeInput {
    start: DateTime!
    end: DateTime!
  }

  input CreateContactInput {
    firstName: String!
    lastName: String!
    email: String!
    phone: String
    company: String
    position: String
    status: ContactStatus
    source: String
    assignedTo: ID
    customFields: JSON
  }

  "Status changes go through the REST status endpoint so they are audited as such."
  input UpdateContactInput {
    firstName: String
    lastName: String
    email: String
    phone: String
    company: String
    position: String
    source: String
    assignedTo: ID
    customFields: JSON
  }

  input LogInteractionInput {
    contactId: ID!
    type: InteractionType!
    channel: Channel!
    direction: Direction!
    subject: String
    content: String
    duration: Int
    outcome: String
    scheduledFollowUp: DateTime
    tags: [String!]
    occurredAt: DateTime
  }

  input InsightGenerationInput {
    "source=<name> or campaign=<id>"
    customerSegment: String
    timePeriod: DateRangeInput
    metrics: [String!]
    types: [InsightType!]
  }

  "trigger and steps are the workflow definition of the REST API (validated by the same schema)."
  input CreateWorkflowInput {
    name: String!
    description: String
    trigger: JSON!
    steps: JSON!
    variables: JSON
    tags: [String!]
    isActive: Boolean
    ownerId: ID
  }

  input WorkflowExecutionInput {
    contactId: ID
    input: JSON
  }

  enum ContactStatus { LEAD PROSPECT CUSTOMER INACTIVE }
  enum InteractionType { EMAIL PHONE_CALL MEETING CHAT SOCIAL_MEDIA FORM_SUBMISSION WEBSITE_VISIT }
  enum Channel { EMAIL PHONE LINKEDIN TWITTER FACEBOOK WEBSITE CHAT IN_PERSON }
  enum Direction { INBOUND OUTBOUND }
  enum ImpactLevel { HIGH MEDIUM LOW }
  enum InsightType { TREND_ANALYSIS ANOMALY_DETECTION OPPORTUNITY_IDENTIFICATION PERFORMANCE_COMPARISON PREDICTIVE_FORECAST }
  enum ExecutionStatus { PENDING RUNNING WAITING COMPLETED FAILED CANCELLED }
  enum MetricType { PIPELINE CONVERSION VELOCITY ACTIVITY RESPONSE_TIME SENTIMENT }
  enum GroupByDimension { SOURCE CAMPAIGN OWNER }
  enum ContactSortField { CREATED_AT UPDATED_AT LEAD_SCORE LAST_NAME LAST_CONTACT_DATE }
  enum SortDirection { ASC DESC }
`;
