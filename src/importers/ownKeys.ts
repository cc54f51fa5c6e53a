// Objects built from keys the client chose (CSV headers, JSON keys): a key "__proto__"
// is data like any other. Plain assignment would set the object's prototype instead,
// losing the key and making its contents look like inherited keys.

/** obj[key] = value, with "__proto__" stored as an own key. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}
