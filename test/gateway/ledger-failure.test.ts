import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../delivery/wait-for.ts';
import { startTestGateway, type TestGateway } from './start-test-gateway.ts';

describe('requests whose ledger commit fails', () => {
  let gw: TestGateway;
  let db: DatabaseSync;
  before(async () => {
    gw = await startTestGateway();
    // A second connection makes every commit of a request fail, as a full disk would.
    db = new DatabaseSync(join(gw.platform.home, 'pyramid.db'));
    db.exec(
      `CREATE TRIGGER fail_commit BEFORE INSERT ON requests BEGIN SELECT RAISE(ABORT, 'disk full'); END;`,
    );
  });
  after(async () => {
    db.close();
    await gw.close();
  });

  test('concurrent ones fail visibly (500 or a stream error event), each logged with its request id', async () => {
    const responses = await Promise.all(
      [false, true, false, true].map(async (stream) => {
        const response = await gw.call('/v1/chat/completions', {
          method: 'POST',
          body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], stream }),
        });
        return { stream, response, text: await response.text() };
      }),
    );
    for (const { stream, response, text } of responses) {
      const requestId = response.headers.get('x-pyramid-request-id')!;
      if (stream) {
        assert.equal(response.status, 200);
        assert.doesNotMatch(text, /\[DONE\]/, 'never a silent success');
        const last = JSON.parse(text.trim().split('\n\n').at(-1)!.slice('data: '.length)) as {
          error: { message: string; code: string };
        };
        assert.equal(last.error.code, 'internal_error');
        assert.match(last.error.message, new RegExp(`request ${requestId}.*gateway log`));
      } else {
        assert.equal(response.status, 500);
        assert.match(text, /internal_error/);
      }
      const logged = gw
        .logs()
        .split('\n')
        .some(
          (line) => line.includes('"level":50') && line.includes(requestId) && line.includes('disk full'),
        );
      assert.ok(logged, `stream ${stream}: the failure is in the log with request ${requestId}`);
    }
    await waitFor(() => gw.server.inFlight() === 0, 15_000, 'no request in flight');
    assert.equal((await gw.call('/health', { token: null })).status, 200);
  });
});
