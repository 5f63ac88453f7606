import { type Command, InvalidArgumentError } from 'commander';
import {
  BaselineModel,
  baselineRepository,
  DEFAULT_LEARN_DAYS,
  freezeBaseline,
  KIND,
  learnDaysSetting,
} from '../baseline/baseline.js';
import type { BaselineState } from '../store/baseline-repository.js';
import { defaultDbPath } from '../store/open.js';
import { safe } from './format.js';
import { withStore } from './inventory-view.js';

function days(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !(n > 0) || n > 3650) {
    throw new InvalidArgumentError('expected a number of days between 0 and 3650');
  }
  return n;
}

/** 'YYYY-MM-DD' (midnight UTC) or a full ISO time, as µs since the epoch. */
function until(v: string): number {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v.trim()) ? `${v.trim()}T00:00:00Z` : v);
  if (!Number.isFinite(t)) throw new InvalidArgumentError(`not a date: '${safe(v)}' (use YYYY-MM-DD or an ISO time)`);
  return t * 1000;
}

const isoUs = (us: number | null) => (us === null ? null : new Date(Math.floor(us / 1000)).toISOString());

/** `baseline status --json` output. */
export interface BaselineStatus {
  mode: BaselineState['mode'];
  startedAt: string | null;
  frozenAt: string | null;
  /** ISO packet time learning ends by itself, or null. */
  learnUntil: string | null;
  /** Days set by `baseline learn --days` still waiting for the first packet. */
  learnDays: number | null;
  counts: Record<string, number>;
}

/**
 * `plantwarden baseline learn|freeze|status|reset`: the learning period of the baseline.
 * Learning adds to what is already learned; `reset` forgets everything.
 */
export function registerBaselineCommands(program: Command): void {
  const cmd = program.command('baseline').description('the learned normal: learning period, freeze, status, reset');

  cmd
    .command('learn')
    .description(
      `start (or extend) learning; deviations do not alert until it freezes (default ${DEFAULT_LEARN_DAYS} days from the first packet)`,
    )
    .option('--days <n>', 'learn for this many days of packet time from the next analysis', days)
    .option('--until <date>', 'learn until this packet time (YYYY-MM-DD = midnight UTC, or an ISO time)', until)
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .action(async (o: { days?: number; until?: number; db: string }) => {
      if (o.days !== undefined && o.until !== undefined) throw new Error('give --days or --until, not both');
      await withStore(o.db, async (store) => {
        const repo = baselineRepository(store);
        const prev = await repo.getState();
        const d = o.until === undefined ? (o.days ?? null) : null;
        await repo.putStats([{ kind: KIND.meta, key: 'learnDays', value: JSON.stringify({ days: d ?? 0 }) }]);
        await repo.setState({
          mode: 'learning',
          learnUntilUs: o.until ?? null,
          startedAt: prev.mode === 'learning' && prev.startedAt ? prev.startedAt : new Date().toISOString(),
          frozenAt: null,
        });
        console.log(
          o.until !== undefined
            ? `baseline learning until ${isoUs(o.until)} (packet time)`
            : d !== null
              ? `baseline learning for ${d} days from the first packet of the next analysis`
              : 'baseline learning until `plantwarden baseline freeze`',
        );
      });
    });

  cmd
    .command('freeze')
    .description('stop learning: from now on deviations from the learned normal alert')
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .action(async (o: { db: string }) => {
      await withStore(o.db, async (store) => {
        const repo = baselineRepository(store);
        await freezeBaseline(repo);
        const model = new BaselineModel();
        await model.load(repo);
        const c = model.counts();
        console.log(
          `baseline frozen: ${c.assets} assets, ${c.links} links, ${c.functions} functions, ${c.daysLearned} days learned`,
        );
        if (c.daysLearned === 0) console.error('warning: nothing was learned yet: every device will look new');
      });
    });

  cmd
    .command('status')
    .description('mode, since when, and what has been learned')
    .option('--json', 'as JSON')
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .action(async (o: { json?: boolean; db: string }) => {
      await withStore(o.db, async (store) => {
        const repo = baselineRepository(store);
        const st = await repo.getState();
        const model = new BaselineModel();
        await model.load(repo);
        const status: BaselineStatus = {
          mode: st.mode,
          startedAt: st.startedAt,
          frozenAt: st.frozenAt,
          learnUntil: isoUs(st.learnUntilUs),
          learnDays: st.mode === 'learning' && st.learnUntilUs === null ? await learnDaysSetting(repo) : null,
          counts: model.counts(),
        };
        if (o.json) {
          console.log(JSON.stringify(status, null, 2));
          return;
        }
        const since =
          st.mode === 'frozen'
            ? ` since ${safe(st.frozenAt ?? '?')}`
            : st.mode === 'learning'
              ? ` since ${safe(st.startedAt ?? '?')}`
              : '';
        const end =
          status.learnUntil !== null
            ? `, until ${status.learnUntil} (packet time)`
            : status.learnDays !== null
              ? `, for ${status.learnDays} days from the next analysis`
              : st.mode === 'learning'
                ? ', until `baseline freeze`'
                : '';
        console.log(`mode: ${st.mode}${since}${end}`);
        if (st.mode === 'off') console.log(`(the next analysis starts learning for ${DEFAULT_LEARN_DAYS} days)`);
        for (const [k, v] of Object.entries(status.counts)) console.log(`${k}: ${v}`);
      });
    });

  cmd
    .command('reset')
    .description('forget everything learned; the next analysis starts learning again')
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .action(async (o: { db: string }) => {
      await withStore(o.db, async (store) => {
        const repo = baselineRepository(store);
        await repo.clearStats();
        await repo.setState({ mode: 'off', learnUntilUs: null, startedAt: null, frozenAt: null });
        console.log('baseline reset: nothing learned; the next analysis starts learning');
      });
    });
}
