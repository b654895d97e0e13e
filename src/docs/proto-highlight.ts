// Syntax highlighting of .proto text for the portal, as escaped HTML spans. It only colours
// tokens; it never reorders or rewrites the source, so what readers see is what authors wrote.
import { escapeHtml, raw, type SafeHtml } from './html.ts';

const keywords = new Set([
  'syntax', 'edition', 'package', 'import', 'public', 'weak', 'option', 'message', 'enum', 'service', 'rpc', 'returns',
  'stream', 'repeated', 'optional', 'required', 'map', 'oneof', 'reserved', 'extensions', 'extend', 'to', 'max', 'true', 'false',
]);
const scalarTypes = new Set([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32',
  'sfixed64', 'bool', 'string', 'bytes',
]);

// One alternation, tried left to right at each position: comments, strings, numbers, words, anything else.
const token = /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(\b\d+\b)|([A-Za-z_][\w.]*)|([\s\S])/g;

export function highlightProto(source: string): SafeHtml {
  let out = '';
  let previousWord = '';
  for (const match of source.matchAll(token)) {
    const [text, comment, str, num, word] = match;
    const escaped = escapeHtml(text);
    if (comment) out += `<span class="com">${escaped}</span>`;
    else if (str) out += `<span class="str">${escaped}</span>`;
    else if (num) out += `<span class="num">${escaped}</span>`;
    else if (word) {
      if (previousWord === 'message' || previousWord === 'enum' || previousWord === 'service') out += `<span class="name">${escaped}</span>`;
      else if (keywords.has(word)) out += `<span class="kw">${escaped}</span>`;
      else if (scalarTypes.has(word) || word.includes('.') || (/^[A-Z]/.test(word) && !/^[A-Z0-9_]+$/.test(word))) out += `<span class="ty">${escaped}</span>`;
      else out += escaped;
      previousWord = word;
    } else out += escaped;
  }
  return raw(`<pre class="code proto"><code>${out}</code></pre>`);
}
