// The dashboard, drawn in the browser from the gateway's /api routes (the same ones the CLI reads).
import htm from 'htm';
import { h, render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';

const html = htm.bind(h);
const state = { csrf: '', scopes: [] };

/** USD as the CLI prints it (src/contracts/format-usd.ts). */
export function usd(value) {
  const size = Math.abs(value);
  const digits = size === 0 || size >= 1 ? 2 : size >= 0.01 ? 4 : 6;
  return `${value < 0 ? '-' : ''}$${size.toFixed(digits)}`;
}
const pct = (share) => `${(share * 100).toFixed(1)}%`;
const when = (ms) => (ms ? new Date(ms).toLocaleString() : '-');
const ms = (value) => (value === undefined || value === null ? '-' : `${Math.round(value)} ms`);
const isAdmin = () => state.scopes.includes('admin');

async function api(path, options = {}) {
  const init = { method: options.method ?? 'GET', headers: {}, credentials: 'same-origin' };
  if (init.method !== 'GET') {
    init.headers['x-pyramid-csrf'] = state.csrf;
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body ?? {});
  }
  if (options.token) init.headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.issues = body?.error?.issues ?? [];
    throw error;
  }
  return body;
}

// Live updates: one EventSource; each view names the topics it depends on and refetches on them.
const subscribers = new Set();
let source;
function listen(onState) {
  source?.close();
  source = new EventSource('/ui/events');
  source.addEventListener('hello', () => onState(true));
  source.addEventListener('change', (event) => {
    const { topics } = JSON.parse(event.data);
    for (const subscriber of subscribers) subscriber(topics);
  });
  source.onerror = () => onState(false);
}

/** Fetches `load()` now, again when `deps` change, and whenever one of `topics` changes on the server. */
function useData(load, deps, topics = []) {
  const [data, setData] = useState();
  const [error, setError] = useState();
  const timer = useRef();
  const refresh = useCallback(() => {
    load().then(
      (value) => {
        setData(value);
        setError(undefined);
      },
      (failure) => setError(failure),
    );
  }, deps);
  useEffect(() => {
    refresh();
    const subscriber = (changed) => {
      if (!changed.some((topic) => topics.includes(topic))) return;
      clearTimeout(timer.current);
      timer.current = setTimeout(refresh, 150);
    };
    subscribers.add(subscriber);
    return () => subscribers.delete(subscriber);
  }, [refresh]);
  return [data, error, refresh];
}

const Failure = ({ error }) =>
  error ? html`<div class="error-box" role="alert">${error.message}</div>` : null;

function navigate(path) {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}
function Link({ href, children, ...rest }) {
  const onClick = (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}

function Chart({ options, data, label }) {
  const element = useRef();
  const plot = useRef();
  useEffect(() => {
    const width = element.current.clientWidth || 300;
    plot.current?.destroy();
    plot.current = new uPlot({ width, height: 180, ...options }, data, element.current);
    return () => plot.current?.destroy();
  }, [JSON.stringify(data)]);
  return html`<div class="chart" ref=${element} role="img" aria-label=${label}></div>`;
}

// ---- sign-in ----

function SignIn({ onSignedIn }) {
  const [error, setError] = useState();
  const submit = async (event) => {
    event.preventDefault();
    const token = new FormData(event.target).get('token');
    try {
      onSignedIn(await api('/ui/session', { method: 'POST', token }));
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<main class="signin card">
    <h1>Sign in to Pyramid</h1>
    <form onSubmit=${submit}>
      <label for="token">Gateway token (admin or viewer)</label>
      <input id="token" name="token" type="password" autocomplete="off" required autofocus />
      <button class="primary" type="submit">Sign in</button>
    </form>
    <${Failure} error=${error} />
    <p class="muted">Or run <code>pyramid dashboard</code> for a one-time sign-in link.</p>
  </main>`;
}

// ---- overview ----

const windows = { '24h': 'last 24 h', '7d': 'last 7 days', '30d': 'last 30 days' };

function Overview() {
  const [window, setWindow] = useState('24h');
  const [health] = useData(() => Promise.all([api('/health'), api('/api/health')]), [], ['tick']);
  const [overview, error] = useData(
    () => api(`/api/overview?since=${window}`),
    [window],
    ['requests', 'runs', 'deliveries', 'tick'],
  );
  const [usage] = useData(
    () =>
      Promise.all([
        api(`/api/usage?since=${window}&by=tier`),
        api('/api/usage?since=today&by=tier'),
        api('/api/usage?since=7d&by=tier'),
        api('/api/usage?since=30d&by=tier'),
        api('/api/usage?since=30d&by=day'),
      ]),
    [window],
    ['requests'],
  );
  const [live, status] = health ?? [];
  const [shares, today, week, month, days] = usage ?? [];
  return html`<h1>Overview</h1>
    <${Failure} error=${error} />
    <div class="grid">
      <section class="card" aria-label="status">
        <h2>Status</h2>
        <div class="figure ${status?.status === 'ok' ? 'ok' : 'warn'}" data-testid="status">${status?.status ?? '…'}</div>
        <div class="muted">version ${live?.version ?? '…'}, up ${live ? uptime(live.uptimeSeconds) : '…'}, store ${live?.store ?? '…'}</div>
      </section>
      <section class="card" aria-label="cost">
        <h2>Cost</h2>
        <table><tbody>
          ${[
            ['today', today],
            ['7 days', week],
            ['30 days', month],
          ].map(
            ([label, report]) => html`<tr><th>${label}</th>
              <td class="num" data-testid=${`cost-${label.replace(' ', '')}`} data-value=${report?.totals.costUsd}>${report ? usd(report.totals.costUsd) : '…'}</td></tr>`,
          )}
        </tbody></table>
      </section>
      <section class="card" aria-label="savings">
        <h2>Savings against cloud-only (30 days)</h2>
        <div class="figure" data-testid="savings" data-value=${month?.totals.savingsUsd}>${month ? usd(month.totals.savingsUsd) : '…'}</div>
        <div class="muted">${month ? `${month.totals.savingsPct.toFixed(1)}% of ${usd(month.totals.cloudOnlyCostUsd)} cloud-only` : ''}</div>
        ${
          month?.totals.baselines &&
          html`<table class="baselines"><tbody>
            ${[
              ['withoutTier0', 'without tier 0'],
              ['allOnTopTier', `all on ${month.topTierModel ?? 'the top tier'}`],
              ['cheapestCloud', 'cheapest cloud model per task'],
            ].map(([name, label]) => {
              const baseline = month.totals.baselines[name];
              return html`<tr><th>${label}</th>
                <td class="num" data-testid=${`baseline-${name}`} data-value=${baseline.savingsUsd ?? ''}>${
                  baseline.savingsUsd === null
                    ? '-'
                    : `${usd(baseline.savingsUsd)} (${baseline.savingsPct.toFixed(1)}%)`
                }</td></tr>`;
            })}
            ${
              month.totals.climbed &&
              html`<tr><th>climbed on provider failures</th>
                <td class="num" data-testid="climbed" data-value=${month.totals.climbed.requests}>${month.totals.climbed.requests} requests, ${usd(month.totals.climbed.costUsd)}</td></tr>`
            }
          </tbody></table>`
        }
        ${
          days &&
          days.rows.length > 0 &&
          html`<${Chart} label="cost and cloud-only cost per day" data=${[
            days.rows.map((row) => Date.parse(`${row.key}T00:00:00Z`) / 1000),
            days.rows.map((row) => row.costUsd),
            days.rows.map((row) => row.cloudOnlyCostUsd),
          ]} options=${{ series: [{}, { label: 'cost', stroke: '#b45309' }, { label: 'cloud-only', stroke: '#2563eb' }] }} />`
        }
      </section>
      <section class="card" aria-label="runs and deliveries">
        <h2>Runs and deliveries</h2>
        <table><tbody>
          <tr><th>runs running</th><td class="num" data-testid="runs-running">${overview?.runs.running ?? '…'}</td></tr>
          <tr><th>runs queued</th><td class="num" data-testid="runs-queued">${overview?.runs.queued ?? '…'}</td></tr>
          <tr><th>deliveries pending</th><td class="num" data-testid="deliveries-pending">${overview?.deliveries.pending ?? '…'}</td></tr>
          <tr><th>deliveries failed (24 h)</th><td class="num" data-testid="deliveries-failed">${overview?.deliveries.failedLast24h ?? '…'}</td></tr>
        </tbody></table>
      </section>
    </div>
    <div class="grid" style="margin-top:1rem">
      <section class="card" aria-label="tier shares">
        <h2>Tier shares, <label><span class="muted">window </span>
          <select value=${window} onChange=${(event) => setWindow(event.target.value)} aria-label="window">
            ${Object.entries(windows).map(([value, label]) => html`<option value=${value}>${label}</option>`)}
          </select></label></h2>
        <p class="muted" data-testid="requests-total" data-value=${shares?.totals.requests}>${shares ? `${shares.totals.requests} requests` : '…'}</p>
        ${overview && shares && html`<${TierShares} report=${shares} targets=${overview.targets} />`}
      </section>
      <section class="card" aria-label="requests per minute">
        <h2>Requests per minute (last hour)</h2>
        ${overview && html`<${PerMinute} counts=${overview.requestsPerMinute} at=${overview.at} />`}
      </section>
      <section class="card" aria-label="escalations and failovers">
        <h2>Escalations and failovers</h2>
        ${
          overview &&
          html`<${Reasons} title="escalations" counts=${overview.escalations} />
          <${Reasons} title="failovers" counts=${overview.failovers} />`
        }
      </section>
      <section class="card" aria-label="budgets">
        <h2>Spend against caps (today, UTC)</h2>
        ${
          overview &&
          (overview.budgets.length === 0
            ? html`<p class="muted">No budget caps configured; ${usd(overview.spentTodayUsd)} spent today.</p>`
            : html`<table><tbody>${overview.budgets.map(
                (
                  budget,
                ) => html`<tr><th>${budget.scope}</th><td class="num">${usd(budget.spentUsd)} of ${usd(budget.capUsd)}</td>
                <td style="width:40%"><div class="bar"><span style=${{ width: `${Math.min(100, (budget.spentUsd / budget.capUsd) * 100)}%` }}></span></div></td></tr>`,
              )}</tbody></table>`)
        }
      </section>
    </div>
    ${status && html`<${Providers} health=${status} />`}`;
}

function uptime(seconds) {
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return days > 0
    ? `${days}d ${hours}h`
    : hours > 0
      ? `${hours}h ${minutes}m`
      : `${minutes}m ${seconds % 60}s`;
}

function TierShares({ report, targets }) {
  const rows = report.rows.filter((row) => row.key !== null);
  const tiers = Math.max(targets.length, ...rows.map((row) => Number(row.key) + 1));
  return html`<table><thead><tr><th>tier</th><th class="num">share</th><th>target</th><th></th></tr></thead><tbody>
    ${Array.from({ length: tiers }, (_, tier) => {
      const row = rows.find((candidate) => Number(candidate.key) === tier);
      const share = row?.share ?? 0;
      const target = targets[tier];
      const inBand =
        !target || report.totals.requests === 0 || (share * 100 >= target.min && share * 100 <= target.max);
      return html`<tr data-testid=${`tier-${tier}`}>
        <th>${tier}</th>
        <td class="num ${inBand ? '' : 'warn'}" data-value=${share}>${pct(share)}</td>
        <td class="muted">${target ? `${target.min}-${target.max}%` : '-'}</td>
        <td style="width:40%"><div class="bar"><span style=${{ width: `${share * 100}%` }}></span>
          ${target && html`<i class="band" style=${{ left: `${target.min}%`, width: `${target.max - target.min}%` }}></i>`}</div></td>
      </tr>`;
    })}</tbody></table>`;
}

function PerMinute({ counts, at }) {
  const first = Math.floor(at / 60000) * 60000 - 59 * 60000;
  const byMinute = new Map(counts.map((count) => [count.minute, count]));
  const minutes = Array.from({ length: 60 }, (_, i) => first + i * 60000);
  const total = counts.reduce((sum, count) => sum + count.requests, 0);
  return html`<p class="muted" data-testid="requests-last-hour">${total} in the last hour</p>
    <${Chart} label="requests per minute" data=${[
      minutes.map((minute) => minute / 1000),
      minutes.map((minute) => byMinute.get(minute)?.requests ?? 0),
      minutes.map((minute) => byMinute.get(minute)?.errors ?? 0),
    ]} options=${{ series: [{}, { label: 'requests', stroke: '#b45309', fill: 'rgba(180,83,9,.15)' }, { label: 'errors', stroke: '#b91c1c' }] }} />`;
}

function Reasons({ title, counts }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return html`<h3 class="muted" style="font-size:.9rem;margin:.4rem 0">${title}</h3>
    ${
      entries.length === 0
        ? html`<p class="muted">none</p>`
        : html`<table><tbody>${entries.map(
            ([reason, count]) => html`<tr><td>${reason}</td><td class="num">${count}</td></tr>`,
          )}</tbody></table>`
    }`;
}

function Providers({ health }) {
  return html`<div class="grid" style="margin-top:1rem">
    <section class="card scroll" aria-label="providers"><h2>Providers</h2><table>
      <thead><tr><th>provider</th><th>state</th><th class="num">probe</th><th>why</th></tr></thead><tbody>
      ${Object.entries(health.providers).map(
        ([name, provider]) => html`<tr>
        <td>${name}</td>
        <td class=${provider.reachable === false ? 'bad' : provider.reachable ? 'ok' : 'muted'}>${provider.reachable === true ? 'reachable' : provider.reachable === false ? 'unreachable' : 'not probed'}</td>
        <td class="num">${ms(provider.latencyMs)}</td><td>${provider.reason ?? ''}</td></tr>`,
      )}
    </tbody></table></section>
    <section class="card scroll" aria-label="models"><h2>Models and breakers</h2><table>
      <thead><tr><th>model</th><th class="num">tier</th><th>available</th><th>breaker</th><th class="num">recent errors</th></tr></thead><tbody>
      ${Object.entries(health.models).map(
        ([name, model]) => html`<tr>
        <td>${name}</td><td class="num">${model.tier}</td>
        <td class=${model.available ? 'ok' : 'bad'}>${model.available ? 'yes' : 'no'}</td>
        <td class=${model.breaker.state === 'closed' ? '' : 'warn'}>${model.breaker.state}</td>
        <td class="num">${model.recent.attempts === 0 ? '-' : pct(model.recent.errorRate ?? 0)}</td></tr>`,
      )}
    </tbody></table></section>
  </div>`;
}

// ---- requests ----

function Requests() {
  const [filters, setFilters] = useState({ since: '24h' });
  const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value)).toString();
  const [data, error] = useData(() => api(`/api/requests?${query}&limit=100`), [query], ['requests']);
  const submit = (event) => {
    event.preventDefault();
    setFilters(Object.fromEntries(new FormData(event.target)));
  };
  const field = (name, label, extra = {}) =>
    html`<label>${label}<input name=${name} value=${filters[name] ?? ''} ...${extra} /></label>`;
  return html`<h1>Requests</h1>
    <form class="filters" onSubmit=${submit} aria-label="filters">
      ${field('since', 'since')}${field('until', 'until')}${field('task', 'task')}${field('tier', 'tier', { inputmode: 'numeric', size: 3 })}
      ${field('model', 'model')}
      <label>outcome<select name="outcome" value=${filters.outcome ?? ''}><option value="">any</option><option>ok</option><option>error</option></select></label>
      ${field('caller', 'caller')}
      <button type="submit">Filter</button>
    </form>
    <${Failure} error=${error} />
    <div class="card scroll"><table><thead><tr><th>started</th><th>task</th><th>caller</th><th>outcome</th><th>model</th><th class="num">tier</th><th class="num">cost</th></tr></thead>
    <tbody>${data?.requests.map(
      (request) => html`<tr>
      <td><${Link} href=${`/ui/requests/${encodeURIComponent(request.requestId)}`}>${when(request.startedAt)}</${Link}></td>
      <td>${request.resolvedTask}</td><td>${request.callerTag ?? '-'}</td>
      <td class=${request.outcome === 'ok' ? 'ok' : 'bad'}>${request.outcome}${request.errorCode ? ` (${request.errorCode})` : ''}</td>
      <td>${request.model ?? '-'}</td><td class="num">${request.tier ?? '-'}</td>
      <td class="num">${usd(request.costUsd)}</td></tr>`,
    )}</tbody></table>
    ${data && data.requests.length === 0 && html`<p class="muted">No requests match.</p>`}</div>`;
}

function RequestPage({ id }) {
  const [request, error] = useData(() => api(`/api/requests/${encodeURIComponent(id)}`), [id]);
  if (error) return html`<${Failure} error=${error} />`;
  if (!request) return html`<p class="loading">Loading…</p>`;
  return html`<h1>Request <code>${request.requestId}</code></h1>
    <div class="grid"><section class="card"><table><tbody>
      <tr><th>task</th><td>${request.task}${request.task !== request.resolvedTask ? ` (used ${request.resolvedTask})` : ''}</td></tr>
      <tr><th>caller</th><td>${request.callerTag ?? '-'}</td></tr>
      <tr><th>outcome</th><td class=${request.outcome === 'ok' ? 'ok' : 'bad'}>${request.outcome}${request.errorCode ? ` (${request.errorCode})` : ''}</td></tr>
      <tr><th>answered by</th><td>${request.model ?? '-'} ${request.tier === undefined ? '' : `(tier ${request.tier})`}</td></tr>
      <tr><th>took</th><td>${ms(request.finishedAt - request.startedAt)}</td></tr>
      <tr><th>cost</th><td>${usd(request.costUsd)} (cloud-only ${usd(request.cloudOnlyCostUsd)})</td></tr>
    </tbody></table></section></div>
    <h2 style="margin-top:1rem">Trace</h2>
    ${
      request.notes?.length > 0 &&
      html`<ul class="timeline notes" aria-label="router notes">${request.notes.map(
        (note) =>
          html`<li class="step note" data-testid="router-note"><span class="pill">router</span> ${note}</li>`,
      )}</ul>`
    }
    <ol class="timeline" aria-label="attempts">${request.attempts.map(
      (attempt, index) => html`<li class="step ${attempt.outcome}" data-testid="attempt">
      <strong>${index + 1}. ${attempt.model}</strong> <span class="muted">tier ${attempt.tier}, ${attempt.provider}, +${ms(attempt.startedAt - request.startedAt)}</span><br/>
      <span class="pill ${attempt.outcome === 'ok' ? 'ok' : attempt.outcome === 'error' ? 'bad' : 'warn'}">${attempt.outcome}</span>
      ${attempt.reason && html` <span data-testid="reason">${attempt.reason}</span>`}
      ${' '}latency ${ms(attempt.latencyMs)}, first token ${ms(attempt.ttftMs)},
      tokens ${attempt.usage.input} in / ${attempt.usage.output} out${attempt.usage.reasoning ? ` / ${attempt.usage.reasoning} reasoning` : ''},
      ${usd(attempt.costUsd)}${attempt.answered ? ' (the answer)' : ''}
      ${attempt.detail && html`<div class="muted">${attempt.detail}</div>`}
    </li>`,
    )}</ol>`;
}

// ---- agents and jobs ----

function schedule(definition) {
  const when = definition.schedule ?? definition;
  if (when.every) return `every ${when.every}`;
  if (when.everyMs) return `every ${Math.round(when.everyMs / 60000)} min`;
  if (when.at) return `once at ${when.at}`;
  if (when.cron) return `cron ${when.cron}${when.tz ? ` (${when.tz})` : ''}`;
  return JSON.stringify(when);
}

// ---- job form: add and edit stored jobs (the API validates them as the CLI does) ----

function duration(ms) {
  for (const [unit, size] of [
    ['d', 86400000],
    ['h', 3600000],
    ['m', 60000],
    ['s', 1000],
  ])
    if (ms % size === 0) return `${ms / size}${unit}`;
  return String(ms);
}

function scheduleFields(definition) {
  const when = definition?.schedule;
  if (!when) return { kind: 'every', value: '1h', tz: '' };
  if (when.kind === 'cron') return { kind: 'cron', value: when.cron, tz: when.tz ?? '' };
  if (when.kind === 'at') return { kind: 'at', value: new Date(when.atMs).toISOString(), tz: '' };
  return { kind: 'every', value: duration(when.everyMs), tz: '' };
}

const targetText = (target) => [target.channel, target.to, target.thread].filter(Boolean).join(':');
function parseTarget(text) {
  const [channel, to, thread] = text.trim().split(':');
  return to === undefined ? channel : { channel, to, ...(thread === undefined ? {} : { thread }) };
}

// The form field an issue's dotted path belongs to; issues of no field are listed above the form.
function fieldOf(path) {
  const head = path.split('.')[0];
  if (head === 'schedule') return 'schedule';
  if (head === 'payload' || head === 'session') return 'message';
  return ['id', 'agent', 'deliver'].includes(head) ? head : '';
}

function JobForm({ job, agents, onDone, onCancel }) {
  const editing = Boolean(job);
  const initial = scheduleFields(job?.definition);
  const payloadKind = job?.definition.payload.kind ?? 'agentTurn';
  const [issues, setIssues] = useState([]);
  const [failure, setFailure] = useState();
  const first = useRef();
  useEffect(() => first.current?.focus(), [job?.id]);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const value = (name) => String(form.get(name) ?? '').trim();
    const kind = value('scheduleKind');
    const when = value('schedule');
    const text = value('message');
    const body = {
      agent: value('agent'),
      schedule:
        kind === 'cron'
          ? { cron: when, ...(value('tz') ? { tz: value('tz') } : {}) }
          : { [kind]: kind === 'every' && /^\d+$/.test(when) ? Number(when) : when },
      payload:
        payloadKind === 'systemEvent' ? { kind: 'systemEvent', text } : { kind: 'agentTurn', message: text },
      deliver: value('deliver') ? value('deliver').split(',').filter(Boolean).map(parseTarget) : [],
      enabled: form.get('enabled') === 'on',
    };
    try {
      const saved = editing
        ? await api(`/api/jobs/${encodeURIComponent(job.id)}`, { method: 'PATCH', body })
        : await api('/api/jobs', { method: 'POST', body: { id: value('id'), ...body } });
      onDone(saved.job);
    } catch (error) {
      setIssues(error.issues ?? []);
      setFailure(error.issues?.length > 0 ? undefined : error);
    }
  };
  const errors = (field) => issues.filter((issue) => fieldOf(issue.path) === field);
  const invalid = (field) =>
    errors(field).length > 0 ? { 'aria-invalid': 'true', 'aria-describedby': `job-${field}-error` } : {};
  const fieldError = (field) =>
    errors(field).length > 0 &&
    html`<span class="field-error" id=${`job-${field}-error`} data-testid=${`error-${field}`}>${errors(field)
      .map((issue) => issue.message)
      .join('; ')}</span>`;
  const general = issues.filter((issue) => fieldOf(issue.path) === '');
  return html`<section class="card job-form" style="margin-bottom:1rem" aria-label=${editing ? `edit job ${job.id}` : 'add a job'}>
    <h2>${editing ? html`Edit job <code>${job.id}</code>` : 'Add a job'}</h2>
    <${Failure} error=${failure} />
    ${general.length > 0 && html`<div class="error-box" role="alert">${general.map((issue) => html`<div><code>${issue.path || '(job)'}</code>: ${issue.message}</div>`)}</div>`}
    <form onSubmit=${submit} novalidate>
      ${
        !editing &&
        html`<label>Job id<input name="id" ref=${first} required ...${invalid('id')} />${fieldError('id')}</label>`
      }
      <label>Agent<select name="agent" aria-label="Agent" ref=${editing ? first : undefined} value=${job?.definition.agent ?? agents[0] ?? ''} ...${invalid('agent')}>
        ${agents.map((agent) => html`<option value=${agent}>${agent}</option>`)}</select>${fieldError('agent')}</label>
      <div class="row">
        <label>Schedule type<select name="scheduleKind" aria-label="Schedule type" value=${initial.kind}>
          <option value="every">every</option><option value="cron">cron</option><option value="at">once at</option></select></label>
        <label>Schedule<input name="schedule" value=${initial.value} placeholder="15m, 0 7 * * *, 2030-01-01T07:00Z" required ...${invalid('schedule')} /></label>
        <label>Time zone (cron)<input name="tz" value=${initial.tz} placeholder="Europe/Berlin" /></label>
      </div>
      ${fieldError('schedule')}
      <label>${payloadKind === 'systemEvent' ? 'System event' : 'Message'}<textarea name="message" rows="2" ...${invalid('message')}>${
        payloadKind === 'systemEvent' ? job.definition.payload.text : (job?.definition.payload.message ?? '')
      }</textarea>${fieldError('message')}</label>
      <label>Deliver to <span class="muted">(channel:to, comma-separated; empty: the agent's targets)</span>
        <input name="deliver" value=${(job?.definition.deliver ?? []).map(targetText).join(', ')} ...${invalid('deliver')} />${fieldError('deliver')}</label>
      <label class="check"><input type="checkbox" name="enabled" checked=${job?.definition.enabled ?? true} /> Enabled</label>
      <p><button class="primary" type="submit">${editing ? 'Save job' : 'Add job'}</button> <button type="button" onClick=${onCancel}>Cancel</button></p>
    </form>
  </section>`;
}

function Jobs() {
  const [data, error, refresh] = useData(
    () => Promise.all([api('/api/jobs'), api('/api/runs?limit=1000'), api('/api/config')]),
    [],
    ['jobs', 'runs', 'config'],
  );
  const [actionError, setActionError] = useState();
  const [form, setForm] = useState();
  const act = (id, action) =>
    api(`/api/jobs/${encodeURIComponent(id)}/${action}`, { method: 'POST' }).then(refresh, setActionError);
  const [jobs, runs, config] = data ? [data[0].jobs, data[1].runs, data[2].config] : [[], [], {}];
  const configured = Object.keys(config.agents ?? {});
  const agents = [...new Set([...configured, ...jobs.map((job) => job.definition.agent)])].sort();
  const done = () => {
    setForm(undefined);
    refresh();
  };
  return html`<h1>Agents and jobs</h1><${Failure} error=${error ?? actionError} />
    ${
      isAdmin() &&
      data &&
      (form
        ? html`<${JobForm} key=${form.job?.id ?? 'new'} job=${form.job} agents=${configured} onDone=${done} onCancel=${() => setForm(undefined)} />`
        : html`<p><button class="primary" onClick=${() => setForm({})}>Add a job</button></p>`)
    }
    ${agents.map(
      (agent) => html`<section class="card scroll" style="margin-bottom:1rem" aria-label=${`agent ${agent}`}>
      <h2>${agent}</h2><table><thead><tr><th>job</th><th>schedule</th><th>enabled</th><th>next run</th><th>last run</th><th class="num">cost</th><th></th></tr></thead><tbody>
      ${jobs
        .filter((job) => job.definition.agent === agent)
        .map((job) => {
          const last = runs.find((run) => run.jobId === job.id);
          return html`<tr data-testid=${`job-${job.id}`}>
          <td>${job.id} <span class="muted">${job.source === 'store' ? '(added)' : ''}</span></td>
          <td data-testid="schedule">${schedule(job.definition)}</td>
          <td data-testid="enabled" class=${job.enabled ? 'ok' : 'muted'}>${job.enabled ? 'enabled' : 'disabled'}</td>
          <td data-testid="next-run">${job.enabled && job.nextRunAt ? when(job.nextRunAt) : '-'}</td>
          <td>${last ? html`<${Link} href=${`/ui/runs/${last.id}`}>${last.status}</${Link}>` : '-'}</td>
          <td class="num">${last ? usd(last.costUsd) : '-'}</td>
          <td class="actions">${
            isAdmin() &&
            html`<button onClick=${() => act(job.id, job.enabled ? 'disable' : 'enable')}>${job.enabled ? 'Disable' : 'Enable'}</button>
            <button onClick=${() => act(job.id, 'run')}>Run now</button>
            ${job.source === 'store' && html`<button onClick=${() => setForm({ job })} aria-label=${`Edit ${job.id}`}>Edit</button>`}`
          }</td></tr>`;
        })}</tbody></table>
      ${jobs.every((job) => job.definition.agent !== agent) && html`<p class="muted">No jobs.</p>`}</section>`,
    )}
    ${data && agents.length === 0 && html`<p class="muted">No agents or jobs.</p>`}`;
}

// ---- runs ----

function Runs() {
  const [data, error] = useData(() => api('/api/runs?limit=200'), [], ['runs']);
  return html`<h1>Runs</h1><${Failure} error=${error} />
    <div class="card scroll"><table><thead><tr><th>queued</th><th>job</th><th>status</th><th>trigger</th><th class="num">waited</th><th class="num">took</th><th>tiers</th><th>models</th><th class="num">cost</th><th>delivery</th></tr></thead>
    <tbody>${data?.runs.map(
      (run) => html`<tr>
      <td><${Link} href=${`/ui/runs/${run.id}`}>${when(run.queuedAt)}</${Link}></td><td>${run.jobId}</td>
      <td class=${run.status === 'ok' ? 'ok' : ['error', 'timeout', 'interrupted'].includes(run.status) ? 'bad' : ''}>${run.status}</td>
      <td>${run.trigger}</td><td class="num">${run.startedAt ? ms(run.startedAt - run.queuedAt) : '-'}</td>
      <td class="num">${run.finishedAt && run.startedAt ? ms(run.finishedAt - run.startedAt) : '-'}</td>
      <td>${run.tiers.join(', ')}</td><td>${run.models.join(', ')}</td><td class="num">${usd(run.costUsd)}</td><td>${run.deliveryStatus}</td></tr>`,
    )}</tbody></table></div>`;
}

function RunPage({ id }) {
  const [data, error] = useData(
    async () => {
      const { run } = await api(`/api/runs/${encodeURIComponent(id)}`);
      const [deliveries, calls] = await Promise.all([
        api(`/api/deliveries?runId=${encodeURIComponent(id)}`),
        run.startedAt
          ? api(
              `/api/requests?caller=${encodeURIComponent(run.agentId)}&since=${new Date(run.startedAt).toISOString()}${run.finishedAt ? `&until=${new Date(run.finishedAt + 1).toISOString()}` : ''}&limit=200`,
            )
          : { requests: [] },
      ]);
      return { run, deliveries: deliveries.deliveries, calls: calls.requests };
    },
    [id],
    ['runs', 'deliveries'],
  );
  if (error) return html`<${Failure} error=${error} />`;
  if (!data) return html`<p class="loading">Loading…</p>`;
  const { run } = data;
  return html`<h1>Run <code>${run.id}</code></h1>
    <div class="grid"><section class="card"><table><tbody>
      <tr><th>job</th><td>${run.jobId} (agent ${run.agentId})</td></tr>
      <tr><th>status</th><td data-testid="run-status">${run.status}</td></tr>
      <tr><th>trigger</th><td>${run.trigger}</td></tr>
      <tr><th>queued, started, finished</th><td>${when(run.queuedAt)}, ${when(run.startedAt)}, ${when(run.finishedAt)}</td></tr>
      <tr><th>cost</th><td>${usd(run.costUsd)}</td></tr>
      <tr><th>escalations</th><td>${run.escalations.map((step) => `from tier ${step.fromTier}: ${step.reason}`).join('; ') || '-'}</td></tr>
      ${run.error && html`<tr><th>error</th><td class="bad">${run.error}</td></tr>`}
    </tbody></table></section></div>
    <h2 style="margin-top:1rem">Output</h2><pre data-testid="run-output">${run.output ?? (run.noReply ? '(no reply)' : '')}</pre>
    <h2>Model calls</h2><ul>${data.calls.map((call) => html`<li><${Link} href=${`/ui/requests/${encodeURIComponent(call.requestId)}`}>${call.model ?? call.errorCode} (tier ${call.tier ?? '-'}), ${usd(call.costUsd)}</${Link}></li>`)}</ul>
    <h2>Deliveries</h2><${DeliveryTable} deliveries=${data.deliveries} />`;
}

// ---- deliveries ----

function DeliveryTable({ deliveries, onRetry }) {
  if (deliveries.length === 0) return html`<p class="muted">None.</p>`;
  return html`<div class="card scroll"><table><thead><tr><th>created</th><th>channel</th><th>to</th><th>state</th><th class="num">chunks</th><th class="num">attempts</th><th>reason</th><th></th></tr></thead>
    <tbody>${deliveries.map(
      (delivery) => html`<tr data-testid=${`delivery-${delivery.id}`}>
      <td>${when(Date.parse(delivery.createdAt))}</td><td>${delivery.channel}</td><td>${delivery.to ?? '-'}</td>
      <td data-testid="state" class=${delivery.state === 'delivered' ? 'ok' : delivery.state === 'failed' ? 'bad' : 'warn'}>${delivery.state}</td>
      <td class="num">${delivery.chunksSent}/${delivery.chunkCount}</td><td class="num">${delivery.attempts}</td>
      <td>${delivery.lastError ?? ''}</td>
      <td>${onRetry && delivery.state === 'failed' && isAdmin() && html`<button onClick=${() => onRetry(delivery.id)}>Retry</button>`}</td></tr>`,
    )}</tbody></table></div>`;
}

function Deliveries() {
  const [data, error, refresh] = useData(
    () =>
      Promise.all([
        api('/api/deliveries?state=pending&limit=200'),
        api('/api/deliveries?state=failed&limit=200'),
        api('/api/deliveries?state=delivered&limit=20'),
      ]),
    [],
    ['deliveries'],
  );
  const [actionError, setActionError] = useState();
  const retry = (id) =>
    api(`/api/deliveries/${encodeURIComponent(id)}/retry`, { method: 'POST' }).then(refresh, setActionError);
  return html`<h1>Deliveries</h1><${Failure} error=${error ?? actionError} />
    ${
      data &&
      html`<h2>Failed</h2><${DeliveryTable} deliveries=${data[1].deliveries} onRetry=${retry} />
      <h2 style="margin-top:1rem">Pending</h2><${DeliveryTable} deliveries=${data[0].deliveries} />
      <h2 style="margin-top:1rem">Recently delivered</h2><${DeliveryTable} deliveries=${data[2].deliveries} />`
    }`;
}

// ---- usage ----

const columns = [
  'key',
  'requests',
  'share',
  'attempts',
  'input',
  'output',
  'reasoning',
  'cachedInput',
  'costUsd',
  'cloudOnlyCostUsd',
  'savingsUsd',
  'savingsPct',
];
const flat = (row) => ({ ...row, ...row.tokens });

function csv(report) {
  const lines = [columns.join(',')];
  for (const row of [...report.rows, { ...report.totals, key: 'total' }]) {
    lines.push(
      columns
        .map((column) => {
          const value = flat(row)[column];
          return value === null
            ? ''
            : /[",\n]/.test(String(value))
              ? `"${String(value).replaceAll('"', '""')}"`
              : String(value);
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function Usage() {
  const [since, setSince] = useState('7d');
  const [by, setBy] = useState('tier');
  const [report, error] = useData(
    () => api(`/api/usage?since=${encodeURIComponent(since)}&by=${by}`),
    [since, by],
    ['requests'],
  );
  const download = () => {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([csv(report)], { type: 'text/csv' }));
    link.download = `pyramid-usage-${by}-${since}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  };
  return html`<h1>Usage</h1>
    <form class="filters" onSubmit=${(event) => event.preventDefault()}>
      <label>since<input value=${since} onChange=${(event) => setSince(event.target.value)} aria-label="since" /></label>
      <label>by<select value=${by} onChange=${(event) => setBy(event.target.value)} aria-label="group by">
        ${['model', 'tier', 'task', 'agent', 'day'].map((value) => html`<option>${value}</option>`)}</select></label>
      <button type="button" onClick=${download} disabled=${!report}>Export CSV</button>
    </form>
    <${Failure} error=${error} />
    ${
      report &&
      by === 'day' &&
      report.rows.length > 0 &&
      html`<div class="card"><${Chart} label="cost and cloud-only cost per day" data=${[
        report.rows.map((row) => Date.parse(`${row.key}T00:00:00Z`) / 1000),
        report.rows.map((row) => row.costUsd),
        report.rows.map((row) => row.cloudOnlyCostUsd),
      ]} options=${{ series: [{}, { label: 'cost', stroke: '#b45309' }, { label: 'cloud-only', stroke: '#2563eb' }] }} /></div>`
    }
    ${
      report &&
      by !== 'day' &&
      html`<div class="card">${report.rows.map(
        (row) => html`<div style="margin:.3rem 0">
      <div class="muted">${row.key ?? '(none answered)'}: ${pct(row.share)}, ${usd(row.costUsd)}</div>
      <div class="bar"><span style=${{ width: `${row.share * 100}%` }}></span></div></div>`,
      )}</div>`
    }
    ${
      report &&
      html`<div class="card scroll" style="margin-top:1rem"><table data-testid="usage-table"><thead><tr>
      <th>${by}</th><th class="num">requests</th><th class="num">share</th><th class="num">attempts</th><th class="num">tokens in</th><th class="num">out</th>
      <th class="num">cost</th><th class="num">cloud-only</th><th class="num">savings</th></tr></thead><tbody>
      ${[...report.rows, { ...report.totals, key: 'total' }].map(
        (row) => html`<tr>
        <td>${row.key ?? '(none)'}</td><td class="num">${row.requests}</td><td class="num">${pct(row.share)}</td><td class="num">${row.attempts}</td>
        <td class="num">${row.tokens.input}</td><td class="num">${row.tokens.output}</td><td class="num" data-value=${row.costUsd}>${usd(row.costUsd)}</td>
        <td class="num">${usd(row.cloudOnlyCostUsd)}</td><td class="num">${usd(row.savingsUsd)} (${row.savingsPct.toFixed(1)}%)</td></tr>`,
      )}
    </tbody></table></div>`
    }`;
}

// ---- config ----

function Config() {
  const [data, error, refresh] = useData(() => api('/api/config'), [], ['config']);
  const [failure, setFailure] = useState();
  const reload = () =>
    api('/api/config/reload', { method: 'POST' }).then(
      () => {
        setFailure(undefined);
        refresh();
      },
      (problem) => setFailure(problem.message),
    );
  // The last reload of the running process, whoever asked for it (SIGHUP, this button, the file watch).
  const last = data?.lastReload;
  const outcome = failure
    ? { ok: false, text: failure }
    : last && { ok: last.ok && last.restartNeeded.length === 0, text: reloadText(last) };
  return html`<h1>Config</h1><${Failure} error=${error} />
    ${isAdmin() && html`<p><button class="primary" onClick=${reload}>Reload the config file</button></p>`}
    ${outcome && html`<p role="status" class=${outcome.ok ? 'ok' : 'bad'} data-testid="reload-outcome">Last reload: ${outcome.text}</p>`}
    ${
      last?.ok &&
      last.changes.length > 0 &&
      html`<ul data-testid="reload-changes">${last.changes.map(
        (change) =>
          html`<li><code>${change.section}</code>${['added', 'removed', 'changed']
            .filter((kind) => change[kind].length > 0)
            .map((kind) => `, ${kind} ${change[kind].join(', ')}`)
            .join('')}</li>`,
      )}</ul>`
    }
    ${
      data &&
      html`<p class="muted">${data.file}</p>
      <h2>Warnings</h2>${data.warnings.length === 0 ? html`<p class="muted">None.</p>` : html`<ul>${data.warnings.map((warning) => html`<li><code>${warning.path}</code>: ${warning.message}</li>`)}</ul>`}
      <h2>Running config (secrets masked)</h2><pre data-testid="config">${JSON.stringify(data.config, null, 2)}</pre>`
    }`;
}

/** One line for a reload outcome: when, from where, what was applied, what waits for a restart. */
function reloadText(last) {
  const from = { signal: 'SIGHUP', api: 'the API', watch: 'the file watch' }[last.source] ?? last.source;
  const head = `${when(last.at)} (${from}): `;
  if (!last.ok) return `${head}refused, ${last.message}`;
  const applied = last.applied.length > 0 ? `applied ${last.applied.join(', ')}` : 'nothing changed';
  const restart =
    last.restartNeeded.length > 0 ? `; restart needed for ${last.restartNeeded.join(', ')}` : '';
  return head + applied + restart;
}

// ---- shell ----

const views = [
  ['/ui/', 'Overview'],
  ['/ui/requests', 'Requests'],
  ['/ui/jobs', 'Agents and jobs'],
  ['/ui/runs', 'Runs'],
  ['/ui/deliveries', 'Deliveries'],
  ['/ui/usage', 'Usage'],
  ['/ui/config', 'Config'],
];

function route(path) {
  const [, view, id] = /^\/ui\/?([^/]*)\/?([^/]*)/.exec(path) ?? [];
  if (view === 'requests' && id) return html`<${RequestPage} id=${decodeURIComponent(id)} />`;
  if (view === 'runs' && id) return html`<${RunPage} id=${decodeURIComponent(id)} />`;
  const Views = {
    '': Overview,
    requests: Requests,
    jobs: Jobs,
    runs: Runs,
    deliveries: Deliveries,
    usage: Usage,
    config: Config,
  };
  const View = Views[view] ?? Overview;
  return html`<${View} />`;
}

function App() {
  const [session, setSession] = useState();
  const [path, setPath] = useState(location.pathname);
  const [connected, setConnected] = useState(false);
  const signedIn = (value) => {
    state.csrf = value.csrf ?? '';
    state.scopes = value.scopes ?? [];
    setSession(value);
  };
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    const code = new URLSearchParams(location.hash.slice(1)).get('code');
    history.replaceState(null, '', location.pathname);
    (code
      ? api('/ui/session/code', { method: 'POST', body: { code } }).catch(() => api('/ui/session'))
      : api('/ui/session')
    ).then(signedIn, () => setSession({ signedIn: false }));
    return () => removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    if (session?.signedIn) listen(setConnected);
    else source?.close();
  }, [session?.signedIn]);
  if (!session) return html`<p class="loading">Loading…</p>`;
  if (!session.signedIn) return html`<${SignIn} onSignedIn=${signedIn} />`;
  const signOut = () => api('/ui/signout', { method: 'POST' }).finally(() => signedIn({ signedIn: false }));
  const current = views
    .filter(([href]) => (href === '/ui/' ? path === '/ui/' || path === '/ui' : path.startsWith(href)))
    .at(-1)?.[0];
  return html`<header>
      <span class="brand">▲ Pyramid</span>
      <nav aria-label="views">${views.map(([href, label]) => html`<${Link} href=${href} aria-current=${href === current ? 'page' : undefined}>${label}</${Link}>`)}</nav>
      <span class="live muted" data-testid="live">${connected ? '● live' : '○ reconnecting'}</span>
      <span class="muted">${session.name}${isAdmin() ? '' : ' (viewer)'}</span>
      <button onClick=${signOut}>Sign out</button>
    </header>
    <main>${route(path)}</main>`;
}

render(html`<${App} />`, document.getElementById('app'));
