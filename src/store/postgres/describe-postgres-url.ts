/** `host:port/database` of a PostgreSQL URL, without user or password: safe for logs and errors. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const socket = parsed.searchParams.get('host');
    const host = parsed.hostname || socket || 'localhost';
    const port = parsed.port || parsed.searchParams.get('port') || '5432';
    return `${host}:${port}${parsed.pathname || '/'}`;
  } catch {
    return '(an unreadable PostgreSQL URL)';
  }
}
