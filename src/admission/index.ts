export { AdmissionGate, AdmissionCancelledError, type AdmissionTicket, type AdmissionStats } from './admissionGate.js';
export { resolveAdmission, type AdmissionOptions, type ResolvedAdmission } from './admissionOptions.js';
