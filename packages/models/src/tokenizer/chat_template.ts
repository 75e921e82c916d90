// A Jinja chat template (transformers' apply_chat_template), parsed once and rendered per conversation.
import { MixdistillError } from '@mixdistill/core';
import { Template } from '@huggingface/jinja';

/** One turn of a conversation. */
export interface ChatMessage {
  /** "system", "user", "assistant" (or "tool" for templates that know it). */
  role: string;
  content: string;
}

export class ChatTemplate {
  private readonly template: Template;

  constructor(
    source: string,
    /** Where the template came from, named in errors. */
    private readonly where: string,
  ) {
    try {
      this.template = new Template(source);
    } catch (err) {
      throw new MixdistillError(`${where}: cannot parse the chat template (${(err as Error).message})`);
    }
  }

  /** Renders `messages`; `variables` holds add_generation_prompt, bos_token and the like. */
  render(messages: ChatMessage[], variables: Record<string, unknown>): string {
    try {
      return this.template.render({ messages, ...variables });
    } catch (err) {
      // Templates call raise_exception for conversations they refuse (e.g. roles out of order).
      throw new MixdistillError(`${this.where}: ${(err as Error).message}`);
    }
  }
}
