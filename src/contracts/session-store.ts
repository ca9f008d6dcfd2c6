import type { ChatMessage } from './message.ts';

/** `isolated`: one run of a job; `main`: an agent's persistent session; `subagent`: a child of either. */
export type SessionKind = 'isolated' | 'main' | 'subagent';

export type SessionInfo = {
  /** `job:<jobId>:run:<runId>`, `agent:<id>:main`, or `<parent>:sub:<n>`. */
  id: string;
  kind: SessionKind;
  agentId: string;
  jobId?: string;
  runId?: string;
  parentId?: string;
  createdAt: number;
};

/** One stored transcript entry with its estimated token count. */
export type StoredMessage = { seq: number; message: ChatMessage; tokens: number; createdAt: number };

/** An agent-scoped note kept by `remember` and read by `recall`. */
export type AgentNote = { key: string; value: string; updatedAt: number };

/** Where sessions, their transcripts and agent notes are kept. */
export interface SessionStore {
  /** Creates the session unless it exists. */
  ensure(session: SessionInfo): Promise<void>;
  get(id: string): Promise<SessionInfo | undefined>;
  /** Appends messages to a session's transcript, in order. */
  append(sessionId: string, messages: ChatMessage[], now: number): Promise<void>;
  /** The whole transcript, oldest first. */
  messages(sessionId: string): Promise<StoredMessage[]>;
  /** Sessions of a run (its own and its subagents'). */
  sessionsOfRun(runId: string): Promise<SessionInfo[]>;
  remember(agentId: string, key: string, value: string, now: number): Promise<void>;
  /** Notes of an agent, all or one key. */
  recall(agentId: string, key?: string): Promise<AgentNote[]>;
}
