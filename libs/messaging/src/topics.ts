/** Inbox topic of an agency: only it reads, zone members write. */
export const inboxTopic = (agencyId: string, prefix = 'xietong'): string => `${prefix}.inbox.${agencyId}`;

/** Dead-letter topic of an agency: records its gateway quarantined, with the reason in headers. */
export const deadLetterTopic = (agencyId: string, prefix = 'xietong'): string => `${prefix}.dlq.${agencyId}`;

/** Record header names of the wire format. Only `xietong-jws` is trusted, after verification. */
export const HEADERS = {
  signature: 'xietong-jws',
  typeHint: 'xietong-type',
  senderHint: 'xietong-sender',
  messageIdHint: 'xietong-message-id',
  reason: 'xietong-quarantine-reason',
  reasonDetail: 'xietong-quarantine-detail',
} as const;

/** Consumer group of an agency's inbound gateways (all its instances share it). */
export const inboundGroup = (agencyId: string, prefix = 'xietong'): string => `${prefix}-inbound-${agencyId}`;
