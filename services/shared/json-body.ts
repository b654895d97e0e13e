// The services' JSON body parser: strict UTF-8, JSON.parse, then one iterative pass that refuses, by
// path, what JSON.parse lets through silently: a key given twice (JSON.parse keeps the last), nesting
// deeper than any route needs, a lone UTF-16 surrogate (`"\ud800"`, not a character, not encodable as
// UTF-8), and `__proto__` or `constructor` keys. It never returns such a body and never recurses (a
// body nested 10k deep must be a 400, not a stack overflow).
import { errorCodes, type FastifyInstance } from 'fastify';
import { httpError } from './errors.ts';

/** Keys that could reach an object's prototype if a body were ever merged into another object. */
const forbiddenKeys = new Set(['__proto__', 'constructor']);

/** Deepest nesting a body may have; the deepest route body (a price inside a movie) has 2 levels. */
export const maxBodyDepth = 16;

/** In a `u` regexp a surrogate pair is one code point, so only a lone surrogate is category Cs. */
export const loneSurrogate = /\p{Cs}/u;

export interface BodyDefect {
  field: string;
  problem: string;
}

/**
 * The first defect of a parsed `value` (depth, forbidden key, lone surrogate), breadth first, or undefined.
 * Iterative: depth is bounded before anything deeper is looked at.
 */
export function bodyDefect(value: unknown, root = 'body'): BodyDefect | undefined {
  const queue: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  for (let i = 0; i < queue.length; i++) {
    const { value: node, path, depth } = queue[i]!;
    if (typeof node === 'string') {
      if (loneSurrogate.test(node)) return { field: path, problem: 'is not valid UTF-8 (lone surrogate)' };
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxBodyDepth) return { field: path, problem: `is nested deeper than ${maxBodyDepth} levels` };
    // Object.keys lists an own `__proto__` that JSON.parse created as plain data.
    for (const key of Object.keys(node)) {
      const at = `${path}.${key}`;
      if (!Array.isArray(node)) {
        if (forbiddenKeys.has(key)) return { field: at, problem: 'is a forbidden key' };
        if (loneSurrogate.test(key)) return { field: path, problem: 'has a key that is not valid UTF-8 (lone surrogate)' };
      }
      queue.push({ value: (node as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return undefined;
}

/** `body.price.__proto__` for the first forbidden key in `value`; undefined when clean. */
export function forbiddenKeyPath(value: unknown, path = 'body'): string | undefined {
  const defect = bodyDefect(value, path);
  return defect?.problem === 'is a forbidden key' ? defect.field : undefined;
}

/**
 * The first key that appears twice in one object of the JSON `text` (already known to be valid JSON), as
 * a path like `body.price.currencyCode`; undefined when every key is unique. A single pass over the text
 * with an explicit stack.
 */
export function duplicateKeyPath(text: string, root = 'body'): string | undefined {
  interface Frame { keys: Set<string> | undefined; path: string; index: number; pendingKey: string | undefined }
  const stack: Frame[] = [];
  let expectKey = false;
  const childPath = (frame: Frame | undefined): string => {
    if (!frame) return root;
    return frame.keys ? `${frame.path}.${frame.pendingKey ?? ''}` : `${frame.path}.${frame.index}`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return `${top.path}.${key}`;
        top.keys.add(key);
        top.pendingKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const path = childPath(stack[stack.length - 1]);
      stack.push({ keys: c === 0x7b ? new Set() : undefined, path, index: 0, pendingKey: undefined });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) expectKey = true;
      else if (top) top.index++;
    }
  }
  return undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function refuse(field: string, problem: string): Error {
  return httpError('HERALD_ERR_VALIDATION', `${field} ${problem}`, field);
}

/** Parses a request body, or throws a 400 naming the field at fault. */
export function parseJsonBody(raw: Buffer | string): unknown {
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : strictUtf8.decode(raw);
  } catch {
    throw refuse('body', 'is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
  const defect = bodyDefect(body);
  if (defect) throw refuse(defect.field, defect.problem);
  const duplicate = duplicateKeyPath(text);
  if (duplicate) throw refuse(duplicate, 'is given more than once');
  return body;
}

export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, raw, done) => {
    if (raw.length === 0) return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined);
    try {
      done(null, parseJsonBody(raw));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
