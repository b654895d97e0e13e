// The schema fingerprint as a language-neutral rule: which exact bytes are hashed for a message's
// `dataschema`, and where they are shipped, so a reader or producer in any language can recompute it.
// Pure functions; never reads or writes a file.
import { createHash } from 'node:crypto';

/**
 * The canonical schema text of a message: its bundled proto text (the message and every type it uses,
 * see proto-bundle.ts) with LF line endings, no trailing whitespace on any line, no leading BOM, and
 * exactly one LF at the end. The bundler already writes it that way; this only pins the rule down.
 */
export function canonicalSchemaText(bundled: string): string {
  const lines = bundled.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n').map((line) => line.replace(/[ \t]+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return `${lines.join('\n')}\n`;
}

/** First 16 lowercase hex digits of the SHA-256 of the UTF-8 bytes of the canonical schema text. */
export function schemaFingerprint(canonicalText: string): string {
  return createHash('sha256').update(canonicalText, 'utf8').digest('hex').slice(0, 16);
}

/** The CloudEvents `dataschema` value: `herald:<full proto name>#sha256-<fingerprint>`. */
export function dataschemaOf(protoType: string, fingerprint: string): string {
  return `herald:${protoType}#sha256-${fingerprint}`;
}

/** Where `herald generate` writes a message's canonical schema text, relative to the output directory. */
export function schemaTextPath(protoType: string): string {
  return `contract/schemas/${protoType}.proto`;
}
