export { historyEntrySchema, HISTORY_COMMANDS, type HistoryEntry, type HistoryCommand } from './historyEntry.js';
export { HistoryRing } from './historyRing.js';
