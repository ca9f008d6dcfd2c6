/** Which tools the model may or must call: any (`auto`), none, at least one (`required`), or one named function. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/**
 * Sampling and tool parameters a caller may set, passed to every protocol that can express them. A
 * parameter a protocol cannot express is dropped visibly: the router notes it in the trace and the
 * result names it (`droppedParameters`), or, under strict parameters, the model is skipped.
 */
export type CallParameters = {
  toolChoice?: ToolChoice;
  /** False asks for at most one tool call per answer; true (every protocol's default) needs nothing sent. */
  parallelToolCalls?: boolean;
  stop?: string[];
  topP?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** An end-user id for the provider's abuse monitoring. */
  user?: string;
};

/** The wire names (OpenAI's) by which dropped parameters are reported. */
export const callParameterNames: Record<keyof CallParameters, string> = {
  toolChoice: 'tool_choice',
  parallelToolCalls: 'parallel_tool_calls',
  stop: 'stop',
  topP: 'top_p',
  seed: 'seed',
  presencePenalty: 'presence_penalty',
  frequencyPenalty: 'frequency_penalty',
  user: 'user',
};
