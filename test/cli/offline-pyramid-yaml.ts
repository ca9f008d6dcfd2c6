/**
 * A valid one-model config whose provider can never be reached (port 9, which fetch refuses outright,
 * so no request ever leaves the process), for CLI tests that must not call a model. `extra` is
 * appended (more top-level sections).
 */
export function offlinePyramidYaml(extra = ''): string {
  return `
providers:
  local: { api: ollama, baseUrl: "http://127.0.0.1:9" }
models:
  small: { provider: local, id: "small", cost: { input: 0, output: 0 } }
tiers:
  - [small]
${extra}`;
}
