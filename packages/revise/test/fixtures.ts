import { fileURLToPath } from "node:url";
import { readRows } from "./helpers.js";

/** One row of the authors' notebook cache: a real GPT-4 reviser response. */
export interface NotebookRow {
  id: string;
  prompt: string;
  rejected: string;
  response: string;
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** The path of the 20 real reviser responses copied from ../shared/data. */
export const NOTEBOOK_PATH = fileURLToPath(new URL("./fixtures/clair-notebook-gpt4.jsonl", import.meta.url));

/** Loads the 20 real reviser responses. */
export function notebookRows(): NotebookRow[] {
  return readRows<NotebookRow>(NOTEBOOK_PATH);
}
