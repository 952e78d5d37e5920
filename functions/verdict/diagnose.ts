import { type FailureKind, type Fault, type Layer, MONITOR_KINDS } from '../contract/names.ts';
import type { CheckResult, StageResults, Verdict } from '../contract/types.ts';
import { isReadFailure, type Match, outcomeOf, type Results } from './outcome.ts';
import { NO_RULE_MATCHED, RULES } from './rules.ts';

export { type Outcome, outcomeOf } from './outcome.ts';

function matches(match: Match | undefined, r: CheckResult | undefined): boolean {
  if (match === undefined) return true;
  const outcome = outcomeOf(r);
  if (match === 'ok') return outcome === 'fast' || outcome === 'slow';
  if (match === 'not-offloaded') return r?.kind === 'not-offloaded';
  if (match === 'readable')
    return outcome === 'fast' || outcome === 'slow' || r?.kind === 'metadata-mismatch';
  if (typeof match === 'object' && 'kind' in match) {
    const kinds: readonly FailureKind[] = typeof match.kind === 'string' ? [match.kind] : match.kind;
    return r?.kind !== undefined && kinds.includes(r.kind);
  }
  // `fail` includes the not-offloaded kind; rows that treat it apart come first.
  if (typeof match === 'string') return match === outcome;
  return match.includes(outcome);
}

const LAYER_FAULT: Partial<Record<Layer, Fault>> = { storage: 'storage', proxy: 'proxy', app: 'app' };
const EVIDENCE_ORDER: Record<Fault, Layer[]> = {
  storage: ['storage', 'end-to-end', 'proxy', 'app'],
  proxy: ['proxy', 'end-to-end', 'storage', 'app'],
  app: ['app', 'end-to-end', 'storage', 'proxy'],
  'proxy-app': ['end-to-end', 'app', 'proxy', 'storage'],
  unknown: ['end-to-end', 'app', 'storage', 'proxy'],
};

export function byLayer(stages: StageResults): Results {
  const out: Results = {};
  for (const r of [...stages.stage1, ...(stages.stage2 ?? [])]) out[r.layer] = r;
  return out;
}

const ok = (r: CheckResult | undefined) => ['fast', 'slow'].includes(outcomeOf(r));
/** A diagnostic that fails or could not run, but has settings (a missing one is a choice, not a fault). */
const notProven = (r: CheckResult | undefined) =>
  r !== undefined && !r.ok && r.kind !== 'not-configured' && r.kind !== 'metadata-mismatch';

/**
 * What the run proved wrong in the monitor's own settings, for its owners (never a page), and the layers whose
 * failures that explains (they are left out of `faults`):
 * - a check that could not use the monitor's credentials or signing settings;
 * - the cross-check: storage failing to read while the proxy serves the sentinel's bytes from it;
 * - a storage or proxy check that fails while downloads work (a full run).
 */
export function monitorWarning(r: Results): { text: string; layers: Layer[] } | undefined {
  const parts: string[] = [];
  const layers = new Set<Layer>();
  // One cause said once: the checks it stops, then what the first of them met (missing credentials stop both
  // the storage check and the proxy's signing).
  const byKind = new Map<string, { layers: Layer[]; message: string }>();
  for (const layer of ['end-to-end', 'app', 'storage', 'proxy'] as const) {
    const x = r[layer];
    if (x?.kind && MONITOR_KINDS.has(x.kind)) {
      const same = byKind.get(x.kind) ?? { layers: [], message: x.message };
      byKind.set(x.kind, { ...same, layers: [...same.layers, layer] });
      layers.add(layer);
    }
  }
  for (const { layers: stopped, message } of byKind.values()) {
    const checks = stopped.length === 1 ? `the ${stopped[0]} check` : `the ${stopped.join(' and ')} checks`;
    parts.push(`${checks} cannot use the monitor's credentials or signing settings: ${message}`);
  }
  const served = ok(r['end-to-end']);
  if (!layers.has('storage') && ok(r.proxy) && isReadFailure(r.storage)) {
    parts.push(
      `the proxy serves the sentinel's exact bytes from storage, yet the storage check fails: fix its settings (bucket, key, region, endpoint) or its credentials: ${r.storage?.message}`,
    );
    layers.add('storage');
  } else if (!layers.has('storage') && served && notProven(r.storage)) {
    parts.push(
      `downloads work, yet the storage check fails: fix its settings or credentials: ${r.storage?.message}`,
    );
    layers.add('storage');
  }
  if (!layers.has('proxy') && served && notProven(r.proxy)) {
    parts.push(`downloads work, yet the proxy check fails: fix its URL or settings: ${r.proxy?.message}`);
    layers.add('proxy');
  }
  return parts.length ? { text: parts.join('; '), layers: [...layers] } : undefined;
}

/** Applies the rules. Total: a row for every combination exists, with `unknown` as the last resort. */
export function diagnose(stages: StageResults): Verdict {
  const r = byLayer(stages);
  const rule =
    RULES.find(
      (row) =>
        (Object.keys(row.when) as Layer[]).every((layer) => matches(row.when[layer], r[layer])) &&
        (row.also?.(r) ?? true),
    ) ?? NO_RULE_MATCHED;
  const warning = monitorWarning(r);
  // Layers that fail because of the monitor's own settings are no layer's fault; a healthy run has none.
  const failing = (['storage', 'proxy', 'app'] as const).filter(
    (l) => outcomeOf(r[l]) === 'fail' && !warning?.layers.includes(l),
  );
  const faults: Fault[] = rule.fault ? [rule.fault] : [];
  for (const layer of rule.status === 'healthy' ? [] : failing) {
    const fault = LAYER_FAULT[layer];
    if (fault && !faults.includes(fault)) faults.push(fault);
  }
  const evidence = EVIDENCE_ORDER[rule.fault ?? 'unknown']
    .map((l) => r[l])
    .filter((x): x is CheckResult => x !== undefined && (!x.ok || x.slow))
    .map((x) => `${x.layer}: ${x.message}`);
  return {
    status: rule.status,
    fault: rule.fault,
    faults,
    summary: rule.summary(r),
    rule: rule.id,
    evidence,
    ...(warning ? { monitorWarning: warning.text } : {}),
  };
}
