// Which admitted prompts share a prefill forward: left-padding wastes (rows × longest − tokens), so
// prompts of similar length go together (sorted by length, a group closes when padding would pass a
// third of it) and no group exceeds the step's token budget.

interface Prompted {
  readonly request: { readonly ids: readonly number[] };
}

export function packPrefills<S extends Prompted>(admitted: readonly S[], maxTokens: number): S[][] {
  const sorted = [...admitted].sort((a, b) => a.request.ids.length - b.request.ids.length);
  const groups: S[][] = [];
  let group: S[] = [];
  let tokens = 0;
  for (const s of sorted) {
    const n = s.request.ids.length;
    const padded = (group.length + 1) * n;
    if (group.length && (padded > 1.5 * (tokens + n) || padded > maxTokens)) {
      groups.push(group);
      group = [];
      tokens = 0;
    }
    group.push(s);
    tokens += n;
  }
  if (group.length) groups.push(group);
  return groups;
}
