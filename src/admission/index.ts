export { Admission, createAdmission, type AdmissionOptions, type AdmissionRequest, type AdmissionStats, type AdmissionTicket } from './admission.js';
