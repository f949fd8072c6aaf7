import { StatevisorError } from '../errors.js';
import type { AccountStore } from './accountStore.js';

const notOpen = async (): Promise<never> => {
  throw new StatevisorError('STORE_NOT_OPEN', 'The account store is not open yet: await supervisor.start() first.');
};

/** Stands in for the supervisor's store until `start()` has opened the real one. */
export const unopenedStore: AccountStore = Object.freeze({
  loadAll: notOpen,
  get: notOpen,
  put: notOpen,
  delete: notOpen,
  loadSupervision: notOpen,
  saveSupervision: notOpen,
  close: async () => {},
});
