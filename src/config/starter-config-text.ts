/** The commented pyramid.yaml that `pyramid init` writes. It validates with no environment variables set. */
export const starterConfigText = `# Pyramid config. Every field is documented in docs/config.md.
# Check it with \`pyramid config validate\`; \`pyramid config schema\` prints a JSON Schema for editors.
# Secrets: write "env:NAME" and Pyramid reads the environment variable NAME at start-up. A provider
# whose variable is unset is simply unavailable (requests fail over past it); it is not an error.

# Providers: the model APIs Pyramid can call. Every provider MUST name its \`api\` (the wire protocol):
# openai-completions, anthropic-messages, google-generative-ai or ollama. Leaving it out used to surface
# only at call time as "No API provider registered for api: undefined"; here it is a config error.
# Optional per provider: headers, and timeouts { connect: 10s, firstToken: 60s, total: 300s }.
providers:
  ollama:    { api: ollama, baseUrl: "http://127.0.0.1:11434" }
  gemini:    { api: openai-completions, baseUrl: "https://generativelanguage.googleapis.com/v1beta/openai", apiKey: "env:GEMINI_API_KEY" }
  deepseek:  { api: openai-completions, baseUrl: "https://api.deepseek.com/v1", apiKey: "env:DEEPSEEK_API_KEY" }
  anthropic: { api: anthropic-messages, baseUrl: "https://api.anthropic.com/v1", apiKey: "env:ANTHROPIC_API_KEY" }

# Models: a name of your choice -> the provider serving it, the provider's own id, and the price in USD
# per 1M tokens (cacheRead defaults to the input price). The ledger prices every call from these.
# Reasoning models think before they answer and spend output tokens doing it: qwen3 given fewer than
# 500 max tokens returns empty answers, so minOutputTokens (default 1024) is the floor Pyramid asks for.
# Gemini 2.5 Flash thinks by default too (up to 24k tokens, billed as output): marked reasoning: true,
# a task with reasoning: off switches its thinking off (reasoning_effort "none", thinkingBudget 0 on
# api: google-generative-ai); a task without a level lets it think as much as it likes.
# structuredOutput (native, json, none): how a JSON Schema reaches the model; DeepSeek takes JSON mode only.
models:
  qwen3-14b:    { provider: ollama, id: "qwen3:14b", reasoning: true, minOutputTokens: 1024, cost: { input: 0, output: 0 } }
  gemini-flash: { provider: gemini, id: gemini-2.5-flash, reasoning: true, minOutputTokens: 1024, cost: { input: 0.30, output: 2.50, cacheRead: 0.075 } }
  deepseek-v3:  { provider: deepseek, id: deepseek-chat, structuredOutput: json, cost: { input: 0.27, output: 1.10, cacheRead: 0.07 } }
  claude-opus:  { provider: anthropic, id: claude-opus-4-1, cost: { input: 15, output: 75, cacheRead: 1.5 } }

# Tiers: the pyramid. Position = tier number, 0 (local, free) first. Each tier lists model names in
# failover order: when one fails, the next in the same tier is tried before moving up a tier.
tiers:
  - [qwen3-14b]       # tier 0: local
  - [gemini-flash]    # tier 1
  - [deepseek-v3]     # tier 2
  - [claude-opus]     # tier 3: frontier, last resort

# Tasks: task type -> minimum tier. Routing is deterministic: a request names its task and starts at
# that tier; no classifier model decides. "default" serves requests without a task (tier 0 if absent).
# Long form: research: { tier: 2, reasoning: medium, maxTier: 3 }. reasoning: off|low|medium|high sets how
# hard reasoning models think (off: not at all, so no thinking tokens are paid for a label).
tasks:
  default: 0
  classify: { tier: 0, reasoning: off }
  summarize: 1
  research: 2
  strategy: 3

# Router: how far requests may escalate, and circuit breakers that skip a failing model for a while.
# router:
#   maxTier: 3                # default: the last tier
#   breaker: { failureThreshold: 3, cooldown: 5s, maxCooldown: 60s }
#   failover:                 # how far a provider failure (not a bad answer) may move a request
#     scheduled: { maxWait: 30s }   # agent runs wait out a Retry-After instead of climbing; add maxClimb: 1 to cap
#     gateway: { maxWait: 0s }      # callers waiting on an answer fail over at once

# Budgets: daily spend caps in USD (none unless set). At the cap, refuse requests or cap the tier.
# budgets:
#   daily: 5
#   perTag: { newsletter-agent: 0.50 }
#   onExceeded: cap-tier      # refuse (default) or cap-tier
#   capTier: 0                # with cap-tier: only local models once the cap is reached

# Gateway: the HTTP server \`pyramid start\` runs (OpenAI-compatible /v1, admin /api and /metrics).
# With no tokens here, the first start generates an admin token into $PYRAMID_HOME/credentials (mode 0600).
# To name your own tokens instead, set their variables and uncomment; a token whose variable is unset
# matches nothing. Scopes: client reaches /v1 only, admin reaches everything.
# gateway:
#   port: 18789               # pyramid start --port overrides it
#   bind: 127.0.0.1           # a non-loopback address requires auth
#   bodyLimit: 2mb
#   drainTime: 10s            # on SIGTERM, how long in-flight requests may take to finish
#   probeInterval: 30s        # how often each provider is checked
#   auth:
#     tokens:
#       - { name: ops, token: "env:PYRAMID_ADMIN_TOKEN", scopes: [admin] }
#       - { name: support-bot, token: "env:PYRAMID_CLIENT_TOKEN", scopes: [client] }

# Concurrency: agent runs at once, and subagent tasks at once (subagents never take agent slots).
# concurrency: { agents: 2, subagents: 4 }

# Scheduler: no job may run more often than minInterval (an \`every\`, or a cron's shortest gap); checked
# in this file, by \`pyramid jobs add\` and by POST /api/jobs. Lower it for tests or benchmarks.
# scheduler: { minInterval: 10s }

# Agents: autonomous workers. \`task\` sets the minimum tier (from tasks above), \`prompt\` is the system
# prompt, \`tools\` are built-ins: spawn_subagents, escalate, remember, recall, http_get (needs httpAllowedHosts:
# host names, or host:port for a port other than 80/443; private and loopback addresses are refused unless
# httpAllowPrivateAddresses: true). At most maxToolCalls (8) tool calls of one model answer run.
# An agent that answers exactly NO_REPLY has nothing to deliver.
agents:
  - id: inbox-triage
    description: Labels incoming requests (tier 0, local)
    task: classify
    prompt: "You label support requests as billing, bug or other. Answer with the label only."
  - id: daily-summary
    description: Summarises the day (tier 1)
    task: summarize
    prompt: "You write a short summary of the day's notes. Answer NO_REPLY when there is nothing new."
    tools: [recall]
  - id: weekly-research
    description: Weekly research with parallel subagents (tier 2)
    task: research
    prompt: "You research the week's topics, splitting the work into sub-tasks with spawn_subagents."
    tools: [spawn_subagents, escalate, remember]

# Jobs: when agents run. schedule: { cron, tz } | { every: 15m } | { at: ISO time }. An agentTurn runs in a
# fresh isolated session per run (job:<id>:run:<runId>). A systemEvent has no turn of its own: it can only
# join an agent's main session (session: main); for an isolated run use an agentTurn (CLI: --message).
# Jobs start enabled: false here; turn them on with \`pyramid jobs enable <id>\` once the models are reachable.
jobs:
  - id: triage-hourly
    agent: inbox-triage
    schedule: { cron: "0 * * * *", tz: "Europe/Berlin" }
    payload: { kind: agentTurn, message: "Label the new requests." }
    enabled: false
  - id: daily-summary
    agent: daily-summary
    schedule: { cron: "0 18 * * *", tz: "Europe/Berlin" }
    payload: { kind: agentTurn, message: "Summarise today." }
    timeout: 10m
    retries: 2
    enabled: false
  - id: weekly-research
    agent: weekly-research
    schedule: { cron: "0 7 * * 1", tz: "Europe/Berlin" }
    payload: { kind: agentTurn, message: "Research this week's topics." }
    timeout: 30m
    catchUp: once
    enabled: false

# Channels: where run output and alerts are delivered, by name. Types: telegram, slack, webhook, file.
# A job sends its output with deliver: [{ channel: tg, to: "123456789" }] (a bare name for webhook and
# file channels: deliver: [log]). An unset env: token is not an error; deliveries to it fail and can be
# retried with \`pyramid deliveries retry <id>\`.
# channels:
#   tg:   { type: telegram, botToken: "env:TELEGRAM_BOT_TOKEN" }
#   team: { type: slack, botToken: "env:SLACK_BOT_TOKEN" }
#   hook: { type: webhook, url: "https://example.com/pyramid", secret: "env:PYRAMID_HOOK_SECRET" }
#   log:  { type: file, path: deliveries.jsonl }      # relative to $PYRAMID_HOME

# Alerts: a model's breaker opening or closing, a job failing jobFailures runs in a row (and recovering).
# alerts:
#   targets: [{ channel: tg, to: "123456789" }]
#   jobFailures: 3
#   repeat: 15m               # the same alert at most once per this long
#   maxPerHour: 20
#   settle: 5s                # a breaker's new state is alerted once it held this long

# Retention: how long finished history stays in pyramid.db (pyramid start prunes hourly; pyramid prune
# on demand). Queued and running runs, pending deliveries and main sessions are never pruned.
# retention:
#   transcripts: 30d
#   runs: 180d
#   deliveries: 90d
#   ledger: forever
`;
