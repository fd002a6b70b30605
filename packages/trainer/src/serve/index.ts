export { answerChat, httpErrorOf, sendJson } from "./chat-completion.js";
export { HttpError, type OpenAIErrorBody } from "./openai-error.js";
export { type ChatCompletionRequest, MAX_N, parseChatRequest } from "./parse-chat-request.js";
export { SERVE_USAGE, serveCommand } from "./serve-command.js";
export { type RunningServer, type ServerOptions, startServer } from "./start-server.js";
