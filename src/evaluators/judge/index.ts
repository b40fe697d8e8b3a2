export { llmJudge, type LlmJudgeOptions } from "./llm-judge.js";
export {
  correctnessJudge,
  relevanceJudge,
  faithfulnessJudge,
  refusalJudge,
  CORRECTNESS_TEMPLATE,
  RELEVANCE_TEMPLATE,
  FAITHFULNESS_TEMPLATE,
  REFUSAL_TEMPLATE,
  type ReadyJudgeOptions,
  type FaithfulnessJudgeOptions,
} from "./ready-made.js";
export { JudgeReplyError, parseReply, type ParsedReply } from "./parse-reply.js";
export type { TemplateVariables } from "./template.js";
