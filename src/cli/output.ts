// What the `herald` command prints for people: tools' messages without the stack frames some of them
// embed (the AsyncAPI parser's, Node's), unless --verbose asked for them. Never changes the words.

/** Drops stack-frame lines (`    at f (file:1:2)`) from a text; everything else is kept in order. */
export function withoutStackFrames(text: string): string {
  return text.split('\n').filter((line) => !/^\s+at (?:async )?\S.*(?:\(.+:\d+:\d+\)|:\d+:\d+|\(native\)|\(<anonymous>\))$/.test(line)).join('\n');
}
