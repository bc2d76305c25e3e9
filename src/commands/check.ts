// `tributary check`: validate config and specs as `start` would, without serving.
import { buildOnce } from './build-once.ts';

export async function check(opts: { config: string }): Promise<void> {
  const built = await buildOnce(opts.config);
  const rows = built.sources.map((s) =>
    s.loaded
      ? `  ok    ${s.name.padEnd(24)} ${String(s.queryFields).padStart(4)} query, ${String(s.mutationFields).padStart(4)} mutation fields  (${Math.round(s.ms)} ms)`
      : `  FAIL  ${s.name.padEnd(24)} ${s.error}`,
  );
  const q = Object.keys(built.schema.getQueryType()?.getFields() ?? {}).length;
  const m = Object.keys(built.schema.getMutationType()?.getFields() ?? {}).length;
  console.log(`Sources:\n${rows.join('\n')}`);
  console.log(`Unified schema: ${q} query fields, ${m} mutation fields, ${Object.keys(built.schema.getTypeMap()).filter((t) => !t.startsWith('__')).length} types.`);
  for (const w of built.warnings) console.log(`  warning: ${w}`);
  const failed = built.sources.filter((s) => !s.loaded);
  if (failed.length) {
    console.error(`${failed.length} source(s) failed: ${failed.map((s) => s.name).join(', ')}`);
    process.exitCode = 1;
  }
}
