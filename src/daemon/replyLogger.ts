import type { Account } from '../account.js';
import { compileKeywordSettings, matchReply, type KeywordSettings, type MessageHandler } from '../sessions/websocketSession.js';

/** Longest part of a customer's message (and of the reply) that the reply log line shows. */
export const LOGGED_TEXT_LIMIT = 40;

/**
 * The daemon's message handler: the built-in keyword auto-reply, with each reply logged at
 * `debug` (customers' messages are personal data, and one line per message is volume), the
 * texts cut to {@link LOGGED_TEXT_LIMIT} characters. Settings are compiled once per account version (the account object is
 * replaced on every update, so a WeakMap keyed by it never serves stale rules).
 */
export function loggedKeywordReplies(): MessageHandler {
  const compiled = new WeakMap<Account, KeywordSettings>();
  return (message, ctx) => {
    let settings = compiled.get(ctx.account);
    if (!settings) compiled.set(ctx.account, (settings = compileKeywordSettings(ctx.account.settings)));
    const text = matchReply(settings, message.text);
    if (text === undefined) return;
    const outcome = ctx.reply(text);
    if (ctx.log.isLevelEnabled('debug')) ctx.log.debug({ messageId: message.id, outcome }, `replied to "${truncate(message.text)}" with "${truncate(text)}"`);
  };
}

function truncate(text: string): string {
  return text.length > LOGGED_TEXT_LIMIT ? `${text.slice(0, LOGGED_TEXT_LIMIT)}…` : text;
}
