import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` on one pooled connection inside a transaction: committed if it resolves, rolled back if it
 * throws. READ COMMITTED (PostgreSQL's default) unless told: each statement sees what committed before
 * it began, and row locks (`FOR UPDATE`) order concurrent writers.
 */
export async function postgresTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  options: { isolation?: 'REPEATABLE READ'; readOnly?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    const mode = `${options.isolation ? ` ISOLATION LEVEL ${options.isolation}` : ''}${options.readOnly ? ' READ ONLY' : ''}`;
    await client.query(`BEGIN${mode}`);
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    }
  } catch (error) {
    if ((error as { code?: string }).code === undefined) broken = true;
    throw error;
  } finally {
    // A connection whose state is unknown (a socket error mid-transaction) is dropped, not reused.
    client.release(broken);
  }
}
