/** Message types on the wire; the symbols of the envelope's MessageType enum. */
export const MESSAGE_TYPES = ['LEAD', 'CASE_RESULT', 'COMPLAINT', 'COMPLAINT_RESULT', 'RECEIPT', 'REMINDER'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Business types a county system submits over HTTP; receipts and reminders are the gateway's own. */
export const BUSINESS_TYPES = ['LEAD', 'CASE_RESULT', 'COMPLAINT', 'COMPLAINT_RESULT'] as const;
export type BusinessType = (typeof BUSINESS_TYPES)[number];

/** The field of each business body that carries its correlation id (leadNo / complaintNo). */
export const CORRELATION_FIELD: Record<BusinessType, string> = {
  LEAD: 'leadNo',
  CASE_RESULT: 'leadNo',
  COMPLAINT: 'complaintNo',
  COMPLAINT_RESULT: 'complaintNo',
};

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value);
}
