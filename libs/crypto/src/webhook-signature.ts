import { createHmac, randomBytes } from 'node:crypto';

/** A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The `webhook-signature` header of the Standard Webhooks specification 1.0: for each secret,
 * `v1,` and the base64 HMAC-SHA256 of `${id}.${timestamp}.${body}` under the secret's bytes (the
 * base64 after `whsec_`), separated by spaces. Several secrets sign during a rotation's overlap;
 * a receiver accepts the message when any signature matches one of its secrets.
 */
export function signWebhook(secrets: string[], id: string, timestamp: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');
}
