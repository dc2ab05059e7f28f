/**
 * What Buffalo signs and sends to receivers outside it: the `Buffalo-Signature` scheme (webhook
 * deliveries use it too) and the operator notices posted to NOTIFY_WEBHOOK_URL. Imports nothing
 * of the other modules, so every module may use it.
 */
export { newSigningSecret, signatureHeader } from './signature.ts';
export { OPERATOR_NOTICE_TIMEOUT_MS, postOperatorNotice, type OperatorNotice, type OperatorNoticeTarget } from './postOperatorNotice.ts';
