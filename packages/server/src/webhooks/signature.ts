import { signWebhook } from '@confab/server-sdk';

/**
 * The headers of one webhook POST: which API key signed it and the HMAC-SHA256 of the exact bytes
 * sent, keyed with that key's secret (docs/webhooks.md "Checking a request").
 */
export function webhookHeaders(rawBody: string, apiKey: string, apiSecret: string): Record<string, string> {
  return { 'content-type': 'application/json', ...signWebhook(rawBody, apiKey, apiSecret) };
}
