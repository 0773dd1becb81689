import type { JobChart } from '../JobChart.js';

/** The live page's charts of the sessions job, per minute of session end, and the landing pages of every minute it holds. */
export const sessionsCharts: readonly JobChart[] = [
  { kind: 'series', name: 'sessions', title: 'Sessions per minute of session end', measurement: 'session_stats', style: 'bars', series: [{ label: 'sessions', color: '#2e90fa', field: 'sessions' }] },
  {
    kind: 'series',
    name: 'bounceRate',
    title: 'Bounce rate and sessions that met a 5xx',
    measurement: 'session_stats',
    unit: 'ratio',
    yMax: 1,
    series: [
      { label: 'bounced', color: '#f79009', field: 'bounce_rate' },
      { label: 'met a 5xx', color: '#7a5af8', field: 'server_error_share' },
    ],
  },
  { kind: 'series', name: 'duration', title: 'Average session duration (s)', measurement: 'session_stats', series: [{ label: 'average duration (s)', color: '#d92d20', field: 'avg_duration_s' }] },
  { kind: 'ranking', name: 'landingPages', title: 'Top landing pages (sessions)', measurement: 'landing_pages', tag: 'url', field: 'sessions', over: 'all-windows' },
];
