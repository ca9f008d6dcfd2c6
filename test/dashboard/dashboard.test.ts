import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { formatUsd } from '../../src/contracts/format-usd.ts';
import { runPyramid } from '../cli/run-pyramid.ts';
import { type FakeTelegram, startFakeTelegram } from '../delivery/fake-telegram-server.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from '../gateway/start-pyramid-process.ts';
import { launchChromium } from './launch-chromium.ts';

/** Polls an async condition until it holds (a generous deadline: never a fixed sleep). */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const adminToken = 'pyr_dashboard_admin_0123456789abcdef';
const viewerToken = 'pyr_dashboard_viewer_0123456789abcdef';
const botToken = '123456:dashboard-test-bot-token';
// Screenshots go to a temporary folder; `npm run screenshots` (PYRAMID_SCREENSHOTS=docs) refreshes docs/.
const screenshotsInto = process.env.PYRAMID_SCREENSHOTS;

describe('the dashboard in a real browser', () => {
  let home: string;
  let local: FakeModelServer;
  let cloud: FakeModelServer;
  let telegram: FakeTelegram;
  let pyramid: Started;
  let browser: Browser;
  let screenshots: string;

  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${pyramid.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...init.headers },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const ask = (content: string, task = 'default') =>
    call('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: `task:${task}`, messages: [{ role: 'user', content }] }),
    });
  const signedIn = async (token = adminToken): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${pyramid.url}/`);
    await page.getByLabel('Gateway token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  };

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-dashboard-'));
    [local, cloud, telegram] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
      startFakeTelegram(botToken),
    ]);
    await writeFile(
      join(home, 'pyramid.yaml'),
      `
providers:
  local: { api: ollama, baseUrl: "${local.baseUrl}", timeouts: { connect: 1s, firstToken: 2s, total: 10s } }
  cloud: { api: openai-completions, baseUrl: "${cloud.baseUrl}", apiKey: "env:CLOUD_KEY", timeouts: { connect: 1s, firstToken: 2s, total: 10s } }
models:
  local-model: { provider: local, id: "fake-model", cost: { input: 0, output: 0 } }
  cloud-model: { provider: cloud, id: fake-model, cost: { input: 1, output: 2 } }
tiers:
  - [local-model]
  - [cloud-model]
tasks:
  default: 0
  summarize: 1
channels:
  tg: { type: telegram, botToken: "env:TELEGRAM_BOT_TOKEN", apiRoot: "${telegram.apiRoot}" }
agents:
  - { id: briefer, prompt: "You write briefs." }
  - { id: watcher-bot, prompt: "You watch." }
jobs:
  - { id: hourly-brief, agent: briefer, schedule: { every: 1h }, payload: { kind: agentTurn, message: "Brief." }, deliver: [{ channel: tg, to: "42" }] }
gateway:
  probeInterval: 1h
  auth:
    tokens:
      - { name: ops, token: "env:ADMIN_TOKEN", scopes: [admin] }
      - { name: watcher, token: "env:VIEWER_TOKEN", scopes: [viewer] }
    throttle: { maxFailures: 1000, window: 1m }
`,
    );
    pyramid = await startPyramid({
      PYRAMID_HOME: home,
      ADMIN_TOKEN: adminToken,
      VIEWER_TOKEN: viewerToken,
      CLOUD_KEY: 'sk-cloud-secret-value-123',
      TELEGRAM_BOT_TOKEN: botToken,
    });
    browser = await launchChromium();
    screenshots = screenshotsInto
      ? resolve(screenshotsInto)
      : await mkdtemp(join(tmpdir(), 'pyramid-dashboard-shots-'));
    await mkdir(screenshots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    pyramid?.child.kill('SIGTERM');
    await pyramid?.exited;
    await Promise.all([local.close(), cloud.close(), telegram.close()]);
    await rm(home, { recursive: true, force: true });
    if (!screenshotsInto && screenshots) await rm(screenshots, { recursive: true, force: true });
  });

  test('/ redirects to the sign-in page; a token signs in (HttpOnly, SameSite=Strict cookie), sign-out ends it', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${pyramid.url}/`);
    assert.equal(new URL(page.url()).pathname, '/ui/');
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    await page.getByLabel('Gateway token').fill('pyr_wrong_token_000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Gateway token').fill(viewerToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.ok(await page.getByText('watcher (viewer)').isVisible());
    const [cookie] = await page.context().cookies();
    assert.equal(cookie.name, 'pyramid_session');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.ok(!(await page.content()).includes(viewerToken), 'the token is not in the page');
    // The session reads /api, but a viewer cannot act, and no cross-site form can act with the cookie.
    const fromPage = await page.evaluate(async () => {
      const read = await fetch('/api/jobs');
      const act = await fetch('/api/jobs/hourly-brief/disable', { method: 'POST' });
      return [read.status, act.status];
    });
    assert.deepEqual(fromPage, [200, 403]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Gateway token').waitFor();
    assert.equal(await page.evaluate(async () => (await fetch('/api/jobs')).status), 401);
    await page.close();
  });

  test('pyramid dashboard prints a one-time sign-in link: it signs in once, then is spent', async () => {
    const printed = await runPyramid(['dashboard', '--url', pyramid.url, '--no-open'], {
      PYRAMID_HOME: home,
      PYRAMID_TOKEN: adminToken,
    });
    assert.equal(printed.code, 0, printed.stderr);
    const link = printed.stdout.trim();
    assert.match(link, /\/ui\/#code=[\w-]{20,}$/);
    const page = await browser.newPage();
    await page.goto(link);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.ok(!page.url().includes('code='), 'the code leaves the address bar');
    const again = await browser.newPage();
    await again.goto(link);
    await again.getByLabel('Gateway token').waitFor();
    await Promise.all([page.close(), again.close()]);
  });

  test("the overview's figures are /api/usage's for the same window", async () => {
    local.setDefault({ text: 'a local answer' });
    cloud.setDefault({ text: 'a cloud answer', usage: { input: 1000, output: 500 } });
    for (let i = 0; i < 3; i++) assert.equal((await ask(`question ${i}`)).status, 200);
    assert.equal((await ask('summarize this', 'summarize')).status, 200);
    const page = await signedIn();
    const usage = async (since: string) =>
      (await call(`/api/usage?since=${since}&by=tier`)).body as {
        totals: {
          costUsd: number;
          requests: number;
          savingsUsd: number;
          baselines: Record<'withoutTier0' | 'allOnTopTier' | 'cheapestCloud', { savingsUsd: number | null }>;
          climbed: { requests: number };
        };
        rows: { key: string | null; share: number }[];
      };
    const [day, month] = [await usage('24h'), await usage('30d')];
    assert.equal(day.totals.requests, 4);
    const value = async (testId: string) => Number(await page.getByTestId(testId).getAttribute('data-value'));
    await waitFor(async () => (await value('requests-total')) === 4, 'the overview counted the requests');
    assert.equal(await value('cost-7days'), (await usage('7d')).totals.costUsd);
    assert.equal(await value('cost-30days'), month.totals.costUsd);
    assert.equal(await value('savings'), month.totals.savingsUsd);
    // Each baseline an operator may mean by cloud-only, as /api/usage names it (issue 14, item 4).
    for (const name of ['withoutTier0', 'allOnTopTier', 'cheapestCloud'] as const)
      assert.equal(await value(`baseline-${name}`), month.totals.baselines[name].savingsUsd);
    assert.equal(await value('climbed'), month.totals.climbed.requests);
    for (const row of day.rows.filter((row) => row.key !== null))
      assert.equal(
        Number(await page.getByTestId(`tier-${row.key}`).locator('td').first().getAttribute('data-value')),
        row.share,
      );
    assert.equal(await page.getByTestId('cost-30days').textContent(), formatUsd(month.totals.costUsd));
    await page.screenshot({ path: join(screenshots, 'dashboard-overview.png'), fullPage: true });
    await page.close();
  });

  test('a request drills down to its trace: each attempt with its reason, latency and cost', async () => {
    local.enqueue({ error: 'server' });
    const answered = await ask('this one fails over');
    assert.equal(answered.status, 200);
    const page = await signedIn();
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByRole('link').filter({ hasText: /\d/ }).first().click();
    await page.getByTestId('attempt').first().waitFor();
    const attempts = await page.getByTestId('attempt').allTextContents();
    assert.ok(attempts.length >= 1);
    assert.match(attempts.join('\n'), /latency/);
    await page.screenshot({ path: join(screenshots, 'dashboard-trace.png'), fullPage: true });
    await page.close();
  });

  test('a request shows up on the open overview by itself (server-sent events)', async () => {
    const page = await signedIn();
    await page.getByText('● live').waitFor();
    // The live dot can come before the first figures: read the count only once it is drawn.
    await waitFor(
      async () => (await page.getByTestId('requests-total').getAttribute('data-value')) !== null,
      'the overview drew its first figures',
    );
    const before = Number(await page.getByTestId('requests-total').getAttribute('data-value'));
    assert.equal((await ask('live one')).status, 200);
    await waitFor(
      async () => Number(await page.getByTestId('requests-total').getAttribute('data-value')) === before + 1,
      'the overview updated without a reload',
    );
    await page.close();
  });

  test('disabling a job in the jobs view stops it: no next run, and the scheduler says disabled', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'Agents and jobs' }).click();
    const row = page.getByTestId('job-hourly-brief');
    await row.getByTestId('enabled').waitFor();
    if ((await row.getByTestId('enabled').textContent()) === 'disabled') {
      await row.getByRole('button', { name: 'Enable' }).click();
      await waitFor(async () => (await row.getByTestId('enabled').textContent()) === 'enabled', 'enabled');
    }
    assert.notEqual(await row.getByTestId('next-run').textContent(), '-');
    await row.getByRole('button', { name: 'Disable' }).click();
    await waitFor(async () => (await row.getByTestId('enabled').textContent()) === 'disabled', 'disabled');
    assert.equal(await row.getByTestId('next-run').textContent(), '-');
    const { body } = await call('/api/jobs');
    const job = (body.jobs as { id: string; enabled: boolean }[]).find(
      (candidate) => candidate.id === 'hourly-brief',
    );
    assert.equal(job?.enabled, false);
    await page.screenshot({ path: join(screenshots, 'dashboard-jobs.png'), fullPage: true });
    await page.close();
  });

  test('a failed delivery is retried from the deliveries view and reaches the fake Telegram', async () => {
    telegram.answerChat('42', { status: 403, description: 'Forbidden: bot was blocked by the user' });
    local.setDefault({ text: 'the brief of the hour' });
    const { status, body } = await call('/api/jobs/hourly-brief/run', { method: 'POST', body: '{}' });
    assert.equal(status, 202);
    const runId = (body.run as { id: string }).id;
    await waitFor(async () => {
      const { body } = await call(`/api/deliveries?state=failed&runId=${runId}`);
      return (body.deliveries as unknown[]).length === 1;
    }, 'the delivery failed');
    telegram.answerChat('42', 'ok');
    const page = await signedIn();
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('button', { name: 'Retry' }).first().click();
    await waitFor(
      () => telegram.accepted.some((message) => message.text.includes('the brief of the hour')),
      'delivered',
    );
    await page.screenshot({ path: join(screenshots, 'dashboard-deliveries.png'), fullPage: true });
    await page.goto(`${pyramid.url}/ui/runs/${runId}`);
    await page.getByTestId('run-output').waitFor();
    assert.match((await page.getByTestId('run-output').textContent()) ?? '', /the brief of the hour/);
    await page.screenshot({ path: join(screenshots, 'dashboard-run.png'), fullPage: true });
    await page.close();
  });

  test('usage, runs and config views draw; the config masks every secret', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByTestId('usage-table').waitFor();
    await page.screenshot({ path: join(screenshots, 'dashboard-usage.png'), fullPage: true });
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('table').waitFor();
    await page.screenshot({ path: join(screenshots, 'dashboard-runs.png'), fullPage: true });
    await page.getByRole('link', { name: 'Config' }).click();
    await page.getByTestId('config').waitFor();
    const text = (await page.getByTestId('config').textContent()) ?? '';
    for (const secret of ['sk-cloud-secret-value-123', botToken, adminToken, viewerToken])
      assert.ok(!text.includes(secret));
    assert.match(text, /\[set\]/);
    await page.getByRole('button', { name: 'Reload the config file' }).click();
    await page.getByTestId('reload-outcome').waitFor();
    // The process's last reload, read back from GET /api/config (SIGHUP's would show the same way).
    assert.match(
      (await page.getByTestId('reload-outcome').textContent()) ?? '',
      /Last reload: .* \(the API\): nothing changed/,
    );
    await page.screenshot({ path: join(screenshots, 'dashboard-config.png'), fullPage: true });
    await page.close();
  });

  test("a request's trace shows the router's notes (here: a parameter the local model cannot take)", async () => {
    local.setDefault({ text: 'a local answer' });
    const response = await fetch(`${pyramid.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'task:default',
        user: 'end-user-7',
        messages: [{ role: 'user', content: 'noted one' }],
      }),
    });
    assert.equal(response.status, 200);
    const requestId = response.headers.get('x-pyramid-request-id');
    assert.ok(requestId);
    const { body } = await call(`/api/requests/${requestId}`);
    assert.deepEqual(body.notes, ['local-model: dropped user (ollama cannot express them)']);
    const page = await signedIn();
    await page.goto(`${pyramid.url}/ui/requests/${requestId}`);
    const note = page.getByTestId('router-note');
    await note.waitFor();
    assert.match(
      (await note.textContent()) ?? '',
      /local-model: dropped user \(ollama cannot express them\)/,
    );
    await page.screenshot({ path: join(screenshots, 'dashboard-trace-notes.png'), fullPage: true });
    await page.close();
  });

  test('a job added from the jobs view is validated like the CLI (the error by its field), then edited, and listed with its next run', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'Agents and jobs' }).click();
    await page.getByRole('button', { name: 'Add a job' }).click();
    const form = page.getByRole('region', { name: 'add a job' });
    await form.getByLabel('Job id').fill('watch-often');
    await form.getByLabel('Agent', { exact: true }).selectOption('watcher-bot');
    await form.getByLabel('Schedule', { exact: true }).fill('1ms');
    await form.getByLabel('Message').fill('Look around.');
    await form.getByRole('button', { name: 'Add job' }).click();
    const error = form.getByTestId('error-schedule');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /shorter than scheduler\.minInterval/);
    assert.equal(await form.getByLabel('Schedule', { exact: true }).getAttribute('aria-invalid'), 'true');
    const listed = (await call('/api/jobs')).body.jobs as JobListing[];
    assert.ok(!listed.some((one) => one.id === 'watch-often'), 'nothing was added');
    await form.getByLabel('Schedule', { exact: true }).fill('15m');
    await form.getByRole('button', { name: 'Add job' }).click();
    const row = page.getByTestId('job-watch-often');
    await row.waitFor();
    assert.equal(await row.getByTestId('schedule').textContent(), 'every 15 min');
    assert.notEqual(await row.getByTestId('next-run').textContent(), '-');

    await row.getByRole('button', { name: 'Edit watch-often' }).click();
    const edit = page.getByRole('region', { name: 'edit job watch-often' });
    await edit.getByLabel('Schedule', { exact: true }).fill('1ms');
    await edit.getByRole('button', { name: 'Save job' }).click();
    await edit.getByTestId('error-schedule').waitFor();
    await edit.getByLabel('Schedule', { exact: true }).fill('2h');
    await edit.getByRole('button', { name: 'Save job' }).click();
    await waitFor(
      async () => (await row.getByTestId('schedule').textContent()) === 'every 120 min',
      'the edited schedule is listed',
    );
    assert.notEqual(await row.getByTestId('next-run').textContent(), '-');
    const job = ((await call('/api/jobs')).body.jobs as JobListing[]).find((one) => one.id === 'watch-often');
    assert.deepEqual(job?.definition.schedule, { kind: 'every', everyMs: 7_200_000 });
    assert.deepEqual(job?.definition.payload, { kind: 'agentTurn', message: 'Look around.' });
    assert.ok(job?.nextRunAt);
    await page.screenshot({ path: join(screenshots, 'dashboard-jobs-edit.png'), fullPage: true });
    await page.close();
  });

  test('every view is reached with the keyboard alone, and the focus is visible', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${pyramid.url}/`);
    await page.getByLabel('Gateway token').waitFor();
    // The token field has the focus on arrival: type, and Enter submits.
    await page.keyboard.type(adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const views: [string, string][] = [
      ['Overview', 'Overview'],
      ['Requests', 'Requests'],
      ['Agents and jobs', 'Agents and jobs'],
      ['Runs', 'Runs'],
      ['Deliveries', 'Deliveries'],
      ['Usage', 'Usage'],
      ['Config', 'Config'],
    ];
    for (const [link, heading] of views) {
      let focused: { text: string; visible: boolean; outline: string } | undefined;
      for (let presses = 0; presses < 40; presses++) {
        await page.keyboard.press('Tab');
        // Evaluated in the page (a string: this file is type-checked without the DOM's types).
        focused = await page.evaluate<{ text: string; visible: boolean; outline: string }>(`(() => {
          const element = document.activeElement;
          const style = element ? getComputedStyle(element) : undefined;
          return {
            text: element?.closest('nav') ? (element.textContent ?? '') : '',
            visible: element?.matches(':focus-visible') ?? false,
            outline: style ? style.outlineStyle + ' ' + style.outlineWidth : '',
          };
        })()`);
        if (focused.text === link) break;
      }
      assert.equal(focused?.text, link, `Tab reaches the ${link} link`);
      assert.ok(focused?.visible, `the ${link} link shows its focus`);
      assert.match(focused?.outline ?? '', /^solid [1-9]/, `the focus ring of ${link} is drawn`);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    }
    await page.close();
  });

  test('on a phone (390x844) the overview fits the width: no horizontal scroll', async () => {
    const page = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    await page.goto(`${pyramid.url}/`);
    await page.getByLabel('Gateway token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await waitFor(
      async () => (await page.getByTestId('requests-total').getAttribute('data-value')) !== null,
      'the overview drew its figures',
    );
    await page.getByRole('region', { name: 'providers' }).waitFor();
    const widths = await page.evaluate<{ scroll: number; client: number; wide: string[] }>(`(() => {
      const client = document.documentElement.clientWidth;
      return {
        scroll: document.documentElement.scrollWidth,
        client,
        // What sticks out (outside the tables that scroll by design), to say what to fix.
        wide: [...document.querySelectorAll('body *')]
          .filter((element) => element.getBoundingClientRect().right > client + 1 && !element.closest('.scroll'))
          .slice(0, 5)
          .map((element) => element.tagName.toLowerCase() + '.' + element.className),
      };
    })()`);
    assert.ok(
      widths.scroll <= widths.client,
      `scrollWidth ${widths.scroll} > ${widths.client}: ${widths.wide.join(', ')}`,
    );
    await page.screenshot({ path: join(screenshots, 'dashboard-phone.png'), fullPage: true });
    await page.close();
  });
});

type JobListing = {
  id: string;
  nextRunAt?: number;
  definition: { schedule: unknown; payload: unknown };
};
