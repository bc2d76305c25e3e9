// `tributary schema`: the unified SDL as clients see it (Tributary's build annotations removed).
import { printSchema } from 'graphql';
import { buildOnce } from './build-once.ts';

export async function printUnifiedSchema(opts: { config: string }): Promise<void> {
  const built = await buildOnce(opts.config);
  process.stdout.write(printSchema(built.schema) + '\n');
}
