/** The URL of the PostgreSQL `npm test` started (`POSTGRES_URL`, password included); says how to start it if absent. */
export function postgresUrl(): string {
  const url = process.env.POSTGRES_URL;
  if (url === undefined || url === '') {
    throw new Error('POSTGRES_URL is not set: run these tests with `npm test` (or scripts/test-with-services.mjs), which starts PostgreSQL, or after `eval "$(npm run -s services:up)"`');
  }
  return url;
}
