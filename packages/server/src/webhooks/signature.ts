import { createHmac } from 'node:crypto';
import { WEBHOOK_KEY_HEADER, WEBHOOK_SIGNATURE_HEADER } from '@confab/protocol';

/**
 * The headers of one webhook POST: which API key signed it and the HMAC-SHA256 of the exact bytes
 * sent, keyed with that key's secret (docs/webhooks.md "Checking a request").
 */
export function webhookHeaders(rawBody: string, apiKey: string, apiSecret: string): Record<string, string> {
  const signature = createHmac('sha256', apiSecret).update(rawBody).digest('hex');
  return {
    'content-type': 'application/json',
    [WEBHOOK_KEY_HEADER]: apiKey,
    [WEBHOOK_SIGNATURE_HEADER]: `sha256=${signature}`,
  };
}
