/**
 * The runs as Prometheus metrics, for `serve`'s /metrics and /probe: families of gauges, written in the text
 * exposition (format 0.0.4) by prom-client. The names are derived from functions/alerting/metrics.ts, the one
 * source of metric names: `CheckDuration` in milliseconds becomes `download_doctor_check_duration_seconds`, the
 * dimensions become the labels `target` and `layer`. Pure: no process metrics here (cli/serve/http.ts adds them).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import {
  type Datum,
  DIMENSIONS,
  METRIC_DESCRIPTIONS,
  type MetricName,
} from '../../../functions/alerting/metrics.ts';
import { NAMESPACE } from '../../../functions/alerting/names.ts';

/** `DownloadDoctor` → `download_doctor`, `CheckFirstByte` → `check_first_byte`. */
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

export const PROMETHEUS_PREFIX = snake(NAMESPACE);

/** The Prometheus name of a metric: prefixed, snake case, in base units (seconds, not milliseconds). */
export function prometheusName(metric: MetricName, unit: Datum['Unit']): string {
  return `${PROMETHEUS_PREFIX}_${snake(metric)}${unit === 'Milliseconds' ? '_seconds' : ''}`;
}

export interface Sample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** One metric family: a gauge (a value as of the run) unless it says it is a counter (a count since start). */
export interface Family {
  name: string;
  help: string;
  samples: Sample[];
  type?: 'gauge' | 'counter';
}

/** Milliseconds as seconds, to the microsecond (no binary-fraction tails such as 0.054200000000000005). */
export const seconds = (ms: number) => Math.round(ms * 1000) / 1e6;

/** The families of a run's data (telemetry.ts's metricData), each datum one sample. */
export function familiesOf(data: readonly Datum[]): Family[] {
  const byName = new Map<string, Family>();
  for (const d of data) {
    const name = prometheusName(d.MetricName, d.Unit);
    let family = byName.get(name);
    if (!family) {
      family = { name, help: METRIC_DESCRIPTIONS[d.MetricName], samples: [] };
      byName.set(name, family);
    }
    const labels = Object.fromEntries(d.Dimensions.map((x) => [x.Name.toLowerCase(), x.Value]));
    family.samples.push({ labels, value: d.Unit === 'Milliseconds' ? seconds(d.Value) : d.Value });
  }
  return [...byName.values()];
}

/** Families of the same name merged (several targets' runs), in the order they first appear. */
export function mergeFamilies(groups: readonly (readonly Family[])[]): Family[] {
  const byName = new Map<string, Family>();
  for (const f of groups.flat()) {
    const seen = byName.get(f.name);
    if (seen) seen.samples.push(...f.samples);
    else byName.set(f.name, { ...f, samples: [...f.samples] });
  }
  return [...byName.values()];
}

/** A family of one sample per target, named under the prefix (`serve`'s own gauges). */
export const targetGauge = (name: string, help: string, values: readonly [string, number][]): Family => ({
  name: `${PROMETHEUS_PREFIX}_${name}`,
  help,
  samples: values.map(([target, value]) => ({
    labels: { [DIMENSIONS.target.toLowerCase()]: target },
    value,
  })),
});

/**
 * A registry of gauges (and counters) holding `families`, made for one exposition (prom-client writes the text: HELP, TYPE,
 * escaping). A gauge keeps its values, so the registry is made anew each time: a target removed or a value that
 * is no longer true never lingers. Never the global registry.
 */
export function registryOf(families: readonly Family[]): Registry {
  const registry = new Registry();
  // A family without samples is left out: prom-client would show a gauge without labels as 0, a value not seen.
  for (const f of families.filter((x) => x.samples.length > 0)) {
    const labelNames = [...new Set(f.samples.flatMap((s) => Object.keys(s.labels)))];
    const options = { name: f.name, help: f.help, labelNames, registers: [registry] };
    if (f.type === 'counter') {
      const counter = new Counter(options);
      for (const s of f.samples) counter.inc(s.labels, s.value);
    } else {
      const gauge = new Gauge(options);
      for (const s of f.samples) gauge.set(s.labels, s.value);
    }
  }
  return registry;
}
