import type { JobChart } from '../JobChart.js';

/** The live page's charts of the actions job: each action per window (add to cart beside buy now), and the most frequent. */
export const actionsCharts: readonly JobChart[] = [
  { kind: 'series', name: 'actions', title: 'Actions per window (all partitions)', measurement: 'action_counts', splitBy: { tag: 'action', field: 'count' } },
  { kind: 'ranking', name: 'topActions', title: 'Actions of the last window', measurement: 'action_counts', tag: 'action', field: 'count', over: 'newest-window' },
];
