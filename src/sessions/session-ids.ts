/** The session of one run of an isolated job: fresh for every run. */
export const isolatedSessionId = (jobId: string, runId: string) => `job:${jobId}:run:${runId}`;

/** An agent's persistent session. */
export const mainSessionId = (agentId: string) => `agent:${agentId}:main`;

/** The n-th subagent session under a parent session. */
export const subagentSessionId = (parentId: string, index: number) => `${parentId}:sub:${index}`;
