/**
 * Prometheus text-format metrics of this process (`GET /metrics`): request counts and latency
 * histograms per procedure, mutations applied / rejected / replayed, rows pulled, reminders sent,
 * rate-limited requests. Labels are procedure names and outcomes, never ids of clinics or devices.
 */
export type Labels = Record<string, string>;

export interface Metrics {
  count(name: string, by?: number, labels?: Labels): void;
  observe(name: string, seconds: number, labels?: Labels): void;
  gauge(name: string, value: number, labels?: Labels): void;
  render(): string;
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const HELP: Record<string, string> = {
  coherency_requests_total: 'tRPC requests by procedure and outcome',
  coherency_request_seconds: 'tRPC request duration by procedure',
  coherency_mutations_total: 'Pushed mutations by result',
  coherency_pull_rows_total: 'Rows returned by pulls, by source',
  coherency_reminders_total: 'Reminder jobs by outcome',
  coherency_rate_limited_total: 'Requests refused by the per-device rate limit',
  coherency_up: 'The service process is up',
};

const key = (labels: Labels): string =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

export function createMetrics(): Metrics {
  const counters = new Map<string, Map<string, number>>();
  const gauges = new Map<string, Map<string, number>>();
  const histograms = new Map<string, Map<string, { buckets: number[]; sum: number; count: number }>>();
  const series = <T>(m: Map<string, Map<string, T>>, name: string) => m.get(name) ?? m.set(name, new Map()).get(name)!;
  return {
    count(name, by = 1, labels = {}) {
      if (by === 0) return;
      const s = series(counters, name);
      const k = key(labels);
      s.set(k, (s.get(k) ?? 0) + by);
    },
    gauge(name, value, labels = {}) {
      series(gauges, name).set(key(labels), value);
    },
    observe(name, seconds, labels = {}) {
      const s = series(histograms, name);
      const k = key(labels);
      const h = s.get(k) ?? s.set(k, { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }).get(k)!;
      BUCKETS.forEach((b, i) => {
        if (seconds <= b) h.buckets[i]!++;
      });
      h.sum += seconds;
      h.count++;
    },
    render() {
      const out: string[] = [];
      const head = (name: string, type: string) => out.push(`# HELP ${name} ${HELP[name] ?? name}`, `# TYPE ${name} ${type}`);
      for (const [name, s] of counters) {
        head(name, 'counter');
        for (const [k, v] of s) out.push(`${name}${k ? `{${k}}` : ''} ${v}`);
      }
      for (const [name, s] of gauges) {
        head(name, 'gauge');
        for (const [k, v] of s) out.push(`${name}${k ? `{${k}}` : ''} ${v}`);
      }
      for (const [name, s] of histograms) {
        head(name, 'histogram');
        for (const [k, h] of s) {
          const sep = k ? `${k},` : '';
          BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${sep}le="${b}"} ${h.buckets[i]}`));
          out.push(`${name}_bucket{${sep}le="+Inf"} ${h.count}`, `${name}_sum${k ? `{${k}}` : ''} ${h.sum}`, `${name}_count${k ? `{${k}}` : ''} ${h.count}`);
        }
      }
      return `${out.join('\n')}\n`;
    },
  };
}
