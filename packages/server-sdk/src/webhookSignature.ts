import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_KEY_HEADER, WEBHOOK_SIGNATURE_HEADER } from '@confab/protocol';

/**
 * The headers of a webhook POST whose body is exactly `rawBody`: the key, and
 * `sha256=<hex HMAC-SHA256 of the body keyed with its secret>`. The server signs what it sends with this.
 */
export function signWebhook(rawBody: string, apiKey: string, apiSecret: string): Record<string, string> {
  return { [WEBHOOK_KEY_HEADER]: apiKey, [WEBHOOK_SIGNATURE_HEADER]: `sha256=${hmac(rawBody, apiSecret).toString('hex')}` };
}

/** Whether a signature header value is the one `apiSecret` gives for `rawBody`, compared in constant time. */
export function webhookSignatureMatches(rawBody: string, apiSecret: string, signature: string): boolean {
  const hex = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim())?.[1];
  return hex !== undefined && timingSafeEqual(Buffer.from(hex, 'hex'), hmac(rawBody, apiSecret));
}

function hmac(rawBody: string, apiSecret: string): Buffer {
  return createHmac('sha256', apiSecret).update(rawBody).digest();
}
