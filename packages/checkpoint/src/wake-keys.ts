/**
 * Wake-up keys of global checkpoints, shared by the coordinator and the participant.
 * @module
 */

/** Wake-up key of epoch N's deadline (the coordinator's and the participant's). */
export const deadlineKey = (epoch: number) => `deadline:${epoch}`;

/** Wake-up key of epoch N's barrier re-sends. */
export const resendKey = (epoch: number) => `resend:${epoch}`;
