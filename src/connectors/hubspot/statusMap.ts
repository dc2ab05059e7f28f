/**
 * Allow-list from HubSpot deal stages (default sales pipeline ids) to unified payment statuses.
 * Custom pipeline stages are not guessed: they are UNKNOWN and reported in the run.
 */
import type { PaymentStatus } from '../contract.ts';

const DEAL_STAGE: Readonly<Record<string, PaymentStatus>> = {
  closedwon: 'COLLECTED',
  closedlost: 'FAILED',
  appointmentscheduled: 'PENDING',
  qualifiedtobuy: 'PENDING',
  presentationscheduled: 'PENDING',
  decisionmakerboughtin: 'PENDING',
  contractsent: 'PENDING',
};

/** Deal stage → status (UNKNOWN when not allow-listed). */
export function dealStatus(stage: string): PaymentStatus {
  return Object.hasOwn(DEAL_STAGE, stage) ? (DEAL_STAGE[stage] as PaymentStatus) : 'UNKNOWN';
}

/** True for the stages that end a deal (its close date is when the money moved or was lost). */
export function isClosedStage(stage: string): boolean {
  return stage === 'closedwon' || stage === 'closedlost';
}
