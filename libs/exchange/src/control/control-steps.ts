import type { ErrorCode } from '@xietong/contracts';
import type { VerifiedMessage } from '../inbound/verification-result';
import type { ControlStep } from './erasure-notices';

/**
 * How many pings one partner may send in a window: more are refused RATE_LIMITED (quarantined and
 * answered REJECTED in the batch's one receipt to that sender, so a flood costs no extra signature).
 */
export const PING_RATE = { perSender: 10, windowMs: 60_000 } as const;

/** What the planner knows of control messages for one batch. */
export interface ControlState {
  /** Erasure notices' steps, prepared before the transaction (by messageId). */
  erasures?: ReadonlyMap<string, ControlStep>;
  /** Pings per sender received in the rate window so far (stored ones, then this batch's). */
  pings: Map<string, number>;
}

/**
 * Why a control message (PING, ERASURE_NOTICE) is refused, or undefined to store it and answer
 * ACCEPTED like any message. Other types pass. Counts the pings it lets through.
 */
export function controlRefusal(
  v: VerifiedMessage,
  state: ControlState,
): { code: ErrorCode; message: string } | undefined {
  const { type, sender, messageId } = v.envelope;
  if (type === 'PING') {
    const seen = state.pings.get(sender) ?? 0;
    if (seen >= PING_RATE.perSender)
      return {
        code: 'RATE_LIMITED',
        message: `more than ${PING_RATE.perSender} pings from ${sender} within ${PING_RATE.windowMs / 1000} s`,
      };
    state.pings.set(sender, seen + 1);
    return undefined;
  }
  if (type === 'ERASURE_NOTICE') {
    const step = state.erasures?.get(messageId) ?? {
      ok: false,
      code: 'UNSUPPORTED_TYPE',
      detail: 'this gateway does not take erasure notices (ERASURE_NOTICE)',
    };
    return step.ok ? undefined : { code: step.code, message: step.detail };
  }
  return undefined;
}
