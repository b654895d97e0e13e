// Safe HTML building for the docs portal: interpolated values are escaped unless marked as trusted.
// It must never emit a value from the contract unescaped; only markup built here is trusted.

/** Markup that is already safe to embed (built by `html` or `raw`). */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<p>${text}</p>\`` escapes `text`; nested `html` results pass through. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Trusts markup produced by code in this folder (CSS, SVG built from escaped parts). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Renders the small Markdown subset the contract descriptions use: paragraphs and `code`. */
export function inlineMarkdown(text: string | undefined): SafeHtml {
  if (!text) return raw('');
  const paragraphs = text.trim().split(/\n\s*\n/);
  return raw(
    paragraphs
      .map((p) => `<p>${escapeHtml(p.replace(/\s*\n\s*/g, ' ')).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
      .join(''),
  );
}

/** A stable, URL-safe file name for a contract name (message, channel, service). */
export function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-');
}

/** A dotted name (proto type, stream key) that may wrap after each dot instead of mid-word. */
export function dotted(name: string): SafeHtml {
  return raw(escapeHtml(name).replace(/\./g, '.<wbr>'));
}
