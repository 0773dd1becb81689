import type { JobChart } from '../JobChart.js';

/** The live page's charts of the error-rates job: rates and events per window (all partitions), top URLs of the newest window. */
export const errorRatesCharts: readonly JobChart[] = [
  {
    kind: 'series',
    name: 'errorRate',
    title: 'Error rate per window (all partitions)',
    measurement: 'error_rates',
    unit: 'ratio',
    series: [
      { label: 'errors', color: '#d92d20', field: 'errors', per: 'total' },
      { label: '4xx', color: '#f79009', field: 'client_errors', per: 'total' },
      { label: '5xx', color: '#7a5af8', field: 'server_errors', per: 'total' },
    ],
  },
  { kind: 'series', name: 'events', title: 'Events per window', measurement: 'error_rates', style: 'bars', series: [{ label: 'events', color: '#2e90fa', field: 'total' }] },
  { kind: 'ranking', name: 'topUrls', title: 'Top URLs of the last window', measurement: 'url_counts', tag: 'url', field: 'count', over: 'newest-window' },
];
