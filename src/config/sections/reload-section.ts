import { z } from 'zod';
import type { ReloadMode } from '../../contracts/pyramid-config.ts';
import type { ConfigSection } from '../config-section.ts';

const schema = z
  .enum(['manual', 'watch'], { error: 'expected manual or watch' })
  .default('manual')
  .describe(
    'How a running `pyramid start` takes a changed config file: manual (SIGHUP or POST /api/config/reload) or watch (also when the file changes; a broken save is logged and changes nothing).',
  );

export const reloadSection: ConfigSection<typeof schema, ReloadMode> = {
  schema,
  resolve: (mode) => mode,
};
