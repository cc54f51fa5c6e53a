// Streams a JSON array with 2-space indent, element by element, so a large export is
// never one string in memory. The output equals JSON.stringify(list, null, 2).
export async function* jsonArrayText<T>(items: AsyncIterable<T>, toValue: (item: T) => unknown | undefined): AsyncGenerator<string> {
  let first = true;
  for await (const item of items) {
    const value = toValue(item);
    if (value === undefined) continue;
    const text = JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
    yield (first ? '[\n  ' : ',\n  ') + text;
    first = false;
  }
  yield first ? '[]' : '\n]';
}
