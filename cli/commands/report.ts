/**
 * `download-doctor report --since 30d`: the SLO report (availability per target, the time degraded, the incidents
 * with their durations and layers) from `serve`'s database, or with `--instance` from a deployed instance's table on
 * AWS, as a table, JSON or HTML. Thin: finds the history, reads it through a HistorySource
 * (cli/history-sources.ts), prints functions/render/slo.ts. Exit 1 when an objective is given and a target misses it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type HistorySource, meetsObjective, sloReport } from '../../functions/alerting/history.ts';
import { INSTANCE_NAME, INSTANCE_NAME_RULE } from '../../functions/alerting/names.ts';
import { parseSpan } from '../../functions/config/duration.ts';
import { UsageError } from '../../functions/contract/errors.ts';
import { sloHtml, sloJson, sloTable } from '../../functions/render/slo.ts';
import { EXIT } from '../exit-codes.ts';
import { instanceSource, localSource } from '../history-sources.ts';
import { DB_FILE, openStore } from '../serve/store.ts';
import { preparePrivateFile, stateDirCandidates } from '../state-dir.ts';

export interface ReportOptions {
  since: string;
  until?: string;
  format: 'table' | 'json' | 'html';
  dataDir?: string;
  db?: string;
  /** A deployed instance's history: its name, its table (the stack's TableName output), where to reach it. */
  instance?: string;
  table?: string;
  region?: string;
  endpoint?: string;
  /** A percentage: 99.9. */
  objective?: string;
}

/** The environment variable that names the instance's table when --table does not. */
export const TABLE_ENV = 'DOWNLOAD_DOCTOR_TABLE';

/** serve's database: --db, else serve.db in --data-dir, else in the first state directory that has one. */
function databaseOf(o: ReportOptions, env: NodeJS.ProcessEnv, cwd: string): string {
  if (o.db && o.dataDir) throw new UsageError('give --data-dir or --db, not both');
  const candidates = o.db
    ? [o.db]
    : o.dataDir
      ? [join(o.dataDir, DB_FILE)]
      : stateDirCandidates(env, cwd).map((d) => join(d, DB_FILE));
  const db = candidates.find((f) => existsSync(f));
  if (!db)
    throw new UsageError(
      `no history at ${candidates.join(', or ')}: serve keeps it there (see --data-dir and --db of serve and report)`,
    );
  // A history another user planted would make a false report: refused as serve refuses it.
  preparePrivateFile(db);
  return db;
}

export async function report(
  o: ReportOptions,
  env: NodeJS.ProcessEnv = process.env,
  now = new Date(),
): Promise<number> {
  const sinceMs = parseSpan(o.since);
  if (sinceMs === undefined)
    throw new UsageError(`--since must be a span such as 30d or 36h (got "${o.since}")`);
  const to = o.until === undefined ? now : new Date(o.until);
  if (Number.isNaN(to.getTime())) throw new UsageError(`--until must be a date (ISO 8601), got "${o.until}"`);
  const objective = o.objective === undefined ? undefined : Number(o.objective) / 100;
  if (objective !== undefined && !(objective > 0 && objective < 1))
    throw new UsageError(
      `--objective must be a percentage between 0 and 100, such as 99.9 (got "${o.objective}")`,
    );
  const from = new Date(to.getTime() - sinceMs);
  let close = () => {};
  let source: HistorySource;
  if (o.instance !== undefined) {
    if (o.db || o.dataDir)
      throw new UsageError("give --instance (AWS) or serve's --data-dir or --db, not both");
    if (!INSTANCE_NAME.test(o.instance))
      throw new UsageError(`--instance "${o.instance}": must be ${INSTANCE_NAME_RULE}`);
    const table = o.table || env[TABLE_ENV];
    if (!table)
      throw new UsageError(
        `report --instance needs the instance's table: --table NAME, or ${TABLE_ENV} (the stack's TableName output)`,
      );
    const { dynamoHistory } = await import('../../functions/probes/target-store.ts');
    const read = dynamoHistory(table, { region: o.region, endpoint: o.endpoint });
    close = () => read.close();
    source = instanceSource(o.instance, table, read);
  } else {
    if (o.table || o.region || o.endpoint)
      throw new UsageError('--table, --region and --endpoint need --instance');
    const db = databaseOf(o, env, process.cwd());
    const store = await openStore(db, undefined, true);
    close = () => store.close();
    source = localSource(store, db);
  }
  try {
    const r = await sloReport(source, from, to, objective);
    if (o.format === 'json') console.log(JSON.stringify(sloJson(r), null, 2));
    else if (o.format === 'html') console.log(sloHtml(r));
    else console.log(sloTable(r));
    return objective !== undefined && r.targets.some((t) => !meetsObjective(t, objective))
      ? EXIT.unhealthy
      : EXIT.healthy;
  } finally {
    close();
  }
}
