import type { Account } from '../account.js';
import { compileKeywordSettings, matchReply, type KeywordSettings, type MessageHandler } from '../sessions/websocketSession.js';

/**
 * The daemon's message handler: the built-in keyword auto-reply, with each reply logged at `info`
 * so the demo shows it. Settings are compiled once per account version (the account object is
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
    ctx.log.info({ messageId: message.id, from: message.from, outcome }, `replied to "${message.text}" with "${text}"`);
  };
}
