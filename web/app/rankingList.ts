/** A ranked list of (name, count) with bars, its texts set as text, never as HTML. */
export function fillRanking(list: HTMLElement, entries: readonly [string, number][]): void {
  list.replaceChildren();
  const most = entries[0]?.[1] ?? 1;
  for (const [name, count] of entries) {
    const item = document.createElement('li');
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${(100 * count) / most}%`;
    const label = document.createElement('span');
    label.className = 'url';
    label.textContent = name;
    label.title = name;
    const n = document.createElement('span');
    n.className = 'count';
    n.textContent = String(count);
    item.append(bar, label, n);
    list.append(item);
  }
}
