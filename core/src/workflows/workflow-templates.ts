import type { WorkflowDefinitionInput } from './workflow.schema.ts';

export interface WorkflowTemplate {
  key: string;
  name: string;
  description: string;
  definition: WorkflowDefinitionInput;
}

const email = (id: string, name: string, subject: string, body: string, next: string[] = [], to?: string) => ({
  id,
  name,
  type: 'SEND_EMAIL' as const,
  config: { subject, body, ...(to ? { to } : {}) },
  nextSteps: next,
});

/** The shipped automations; `install_template` saves one as an inactive workflow of the tenant. */
export const WORKFLOW_TEMPLATES: readonly WorkflowTemplate[] = [
  {
    key: 'new-customer-onboarding',
    name: 'New Customer Onboarding',
    description: 'When a contact becomes a CUSTOMER: welcome email, kickoff task for the owner, check-in after a week.',
    definition: {
      name: 'New Customer Onboarding',
      description: 'Welcome new customers and make sure someone books the kickoff call.',
      trigger: { type: 'CONTACT_STATUS_CHANGED', conditions: [{ field: 'contact.status', operator: 'changed_to', value: 'CUSTOMER' }] },
      variables: { companyName: 'our team' },
      tags: ['onboarding', 'template'],
      steps: [
        email('welcome', 'Welcome email', 'Welcome aboard, {{contact.firstName}}!', 'Hi {{contact.firstName}},\n\nWelcome to {{variables.companyName}}. We will reach out shortly to schedule your kickoff.', ['kickoff-task']),
        { id: 'kickoff-task', name: 'Kickoff call task', type: 'CREATE_TASK', config: { title: 'Kickoff call with {{contact.firstName}} {{contact.lastName}}', dueInHours: 48 }, nextSteps: ['wait-week'] },
        { id: 'wait-week', name: 'Wait a week', type: 'WAIT', config: { days: 7 }, nextSteps: ['check-in'] },
        email('check-in', 'Check-in email', 'How is it going, {{contact.firstName}}?', 'Hi {{contact.firstName}},\n\nYou have been with us a week. Reply to this email if anything is unclear.'),
      ],
    },
  },
  {
    key: 'hot-lead-alert',
    name: 'Hot Lead Alert',
    description: 'When a lead score crosses 80: a same-day call task and an alert email to the sales inbox.',
    definition: {
      name: 'Hot Lead Alert',
      trigger: {
        type: 'LEAD_SCORE_CHANGED',
        conditions: [
          { field: 'event.to', operator: 'gte', value: 80 },
          { field: 'event.from', operator: 'lt', value: 80 },
        ],
      },
      variables: { alertEmail: 'sales@example.com' },
      tags: ['sales', 'template'],
      steps: [
        { id: 'call-task', name: 'Call the hot lead', type: 'CREATE_TASK', config: { title: 'Call hot lead {{contact.firstName}} {{contact.lastName}} ({{contact.company}})', dueInHours: 4 }, nextSteps: ['alert'] },
        email('alert', 'Alert the sales inbox', 'Hot lead: {{contact.firstName}} {{contact.lastName}} scored {{event.to}}', '{{contact.firstName}} {{contact.lastName}} <{{contact.email}}> at {{contact.company}} just reached a lead score of {{event.to}}.', [], '{{variables.alertEmail}}'),
      ],
    },
  },
  {
    key: 're-engage-inactive',
    name: 'Re-engage Inactive Contacts',
    description: 'Every Monday 09:00 UTC: leads and prospects without contact for 60+ days get a check-in email, then a task if still silent.',
    definition: {
      name: 'Re-engage Inactive Contacts',
      trigger: {
        type: 'TIME_BASED',
        schedule: { cron: '0 9 * * 1', timezone: 'UTC' },
        conditions: [
          { field: 'contact.status', operator: 'in', value: ['LEAD', 'PROSPECT'] },
          { field: 'contact.daysSinceLastContact', operator: 'gte', value: 60 },
        ],
      },
      tags: ['nurture', 'template'],
      steps: [
        email('nudge', 'Check-in email', 'Still interested, {{contact.firstName}}?', 'Hi {{contact.firstName}},\n\nIt has been a while. Is now a better time to talk?', ['wait']),
        { id: 'wait', name: 'Give them two weeks', type: 'WAIT', config: { days: 14 }, nextSteps: ['task'] },
        { id: 'task', name: 'Personal follow-up', type: 'CREATE_TASK', config: { title: 'Re-engage {{contact.firstName}} {{contact.lastName}}', dueInHours: 72 }, conditions: [{ field: 'contact.daysSinceLastContact', operator: 'gte', value: 14 }] },
      ],
    },
  },
  {
    key: 'webinar-follow-up',
    name: 'Webinar Follow-up',
    description: 'After a webinar form submission: thank-you email, then a sales task for engaged leads or a nurture email for the rest.',
    definition: {
      name: 'Webinar Follow-up',
      trigger: {
        type: 'INTERACTION_LOGGED',
        conditions: [
          { field: 'event.interaction.type', operator: 'eq', value: 'FORM_SUBMISSION' },
          { field: 'event.interaction.tags', operator: 'contains', value: 'webinar' },
        ],
      },
      tags: ['events', 'template'],
      steps: [
        email('thanks', 'Thank-you email', 'Thanks for joining, {{contact.firstName}}', 'Hi {{contact.firstName}},\n\nThanks for attending our webinar. The recording follows shortly.', ['decide']),
        {
          id: 'decide',
          name: 'Sales-ready?',
          type: 'AI_DECISION',
          config: {
            question: 'Is {{contact.firstName}} {{contact.lastName}} ({{contact.position}} at {{contact.company}}, lead score {{contact.leadScore}}) ready for a sales conversation?',
            branches: [
              { stepId: 'sales-task', description: 'Engaged and qualified: a rep should call' },
              { stepId: 'nurture', description: 'Not ready yet: keep nurturing by email' },
            ],
            fallback: { rules: [{ when: [{ field: 'contact.leadScore', operator: 'gte', value: 60 }], goTo: 'sales-task' }], default: 'nurture' },
          },
          nextSteps: ['sales-task', 'nurture'],
        },
        { id: 'sales-task', name: 'Call the attendee', type: 'CREATE_TASK', config: { title: 'Webinar follow-up call: {{contact.firstName}} {{contact.lastName}}', dueInHours: 24 } },
        email('nurture', 'Nurture email', 'Resources from the webinar', 'Hi {{contact.firstName}},\n\nHere are three guides related to the webinar topic.'),
      ],
    },
  },
];
