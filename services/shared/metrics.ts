// A tiny Prometheus text-format registry: counters and gauges with labels, rendered on /metrics.
// It never blocks a request: gauges that need Redis are collected only when /metrics is scraped.

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

export class MetricsRegistry {
  readonly #families = new Map<string, Family>();
  readonly #collectors: Array<() => Promise<void>> = [];

  #family(name: string, help: string, type: Family['type']): Family {
    let family = this.#families.get(name);
    if (!family) {
      family = { name, help, type, values: new Map() };
      this.#families.set(name, family);
    }
    return family;
  }

  /** Declares a metric so it appears (at 0 when unlabelled) before its first increment. */
  declare(name: string, help: string, type: Family['type'] = 'counter'): void {
    const family = this.#family(name, help, type);
    if (family.values.size === 0) family.values.set('', { labels: {}, value: 0 });
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const family = this.#family(name, help, 'counter');
    family.values.delete('');
    const key = JSON.stringify(labels);
    const entry = family.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    family.values.set(key, entry);
  }

  set(name: string, help: string, value: number, labels: Labels = {}): void {
    const family = this.#family(name, help, 'gauge');
    family.values.set(JSON.stringify(labels), { labels, value });
  }

  /** Registers a function that refreshes gauges right before rendering. */
  collect(collector: () => Promise<void>): void {
    this.#collectors.push(collector);
  }

  async render(): Promise<string> {
    await Promise.all(this.#collectors.map((c) => c().catch(() => undefined)));
    const lines: string[] = [];
    for (const family of this.#families.values()) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
      for (const { labels, value } of family.values.values()) {
        const rendered = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
        lines.push(`${family.name}${rendered ? `{${rendered}}` : ''} ${Number.isFinite(value) ? value : 0}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
