import { agentsSection } from './sections/agents-section.ts';
import { alertsSection } from './sections/alerts-section.ts';
import { aliasesSection } from './sections/aliases-section.ts';
import { budgetsSection } from './sections/budgets-section.ts';
import { channelsSection } from './sections/channels-section.ts';
import { concurrencySection } from './sections/concurrency-section.ts';
import { embeddingsSection } from './sections/embeddings-section.ts';
import { gatewaySection } from './sections/gateway-section.ts';
import { jobsSection } from './sections/jobs-section.ts';
import { modelsSection } from './sections/models-section.ts';
import { providersSection } from './sections/providers-section.ts';
import { reloadSection } from './sections/reload-section.ts';
import { retentionSection } from './sections/retention-section.ts';
import { routerSection } from './sections/router-section.ts';
import { schedulerSection } from './sections/scheduler-section.ts';
import { storeSection } from './sections/store-section.ts';
import { targetsSection } from './sections/targets-section.ts';
import { tasksSection } from './sections/tasks-section.ts';
import { tiersSection } from './sections/tiers-section.ts';

/** Every top-level section of pyramid.yaml, in the order they are documented. Add a section here. */
export const configSections = {
  providers: providersSection,
  models: modelsSection,
  tiers: tiersSection,
  tasks: tasksSection,
  embeddings: embeddingsSection,
  aliases: aliasesSection,
  router: routerSection,
  budgets: budgetsSection,
  gateway: gatewaySection,
  concurrency: concurrencySection,
  scheduler: schedulerSection,
  agents: agentsSection,
  jobs: jobsSection,
  channels: channelsSection,
  alerts: alertsSection,
  retention: retentionSection,
  reload: reloadSection,
  targets: targetsSection,
  store: storeSection,
};

export type ConfigSections = typeof configSections;
