/** Get-or-create with least-recently-used eviction beyond `cap` entries (Map order = recency). */
export function lruGet<K, V>(m: Map<K, V>, k: K, cap: number, make: () => V): V {
  let v = m.get(k);
  if (v !== undefined) {
    m.delete(k);
    m.set(k, v);
    return v;
  }
  if (m.size >= cap) {
    const oldest = m.keys().next();
    if (!oldest.done) m.delete(oldest.value);
  }
  v = make();
  m.set(k, v);
  return v;
}
