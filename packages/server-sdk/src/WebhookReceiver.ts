import { WEBHOOK_KEY_HEADER, WEBHOOK_SIGNATURE_HEADER, WebhookEvent } from '@confab/protocol';
import { WebhookError } from './WebhookError';
import { webhookSignatureMatches } from './webhookSignature';

/** A fetch Headers, or Node's IncomingHttpHeaders (any case). */
export type WebhookHeaders = Headers | Readonly<Record<string, string | string[] | undefined>>;

/**
 * Checks webhooks from Confab: signed by one of the given API keys, a valid event. Pass the body as
 * received, before any JSON parsing: the signature is over its exact bytes.
 */
export class WebhookReceiver {
  private readonly keys: ReadonlyMap<string, string>;

  constructor(keys: Readonly<Record<string, string>> | ReadonlyMap<string, string>) {
    this.keys = keys instanceof Map ? new Map(keys) : new Map(Object.entries(keys));
    if (this.keys.size === 0) throw new TypeError('WebhookReceiver needs at least one API key and its secret');
  }

  /** The event, or a WebhookError saying why it is refused. Each event has an `id`: drop one seen before (a retry). */
  receive(rawBody: string, headers: WebhookHeaders): WebhookEvent {
    const key = header(headers, WEBHOOK_KEY_HEADER);
    if (key === undefined) throw WebhookError.missingKey(WEBHOOK_KEY_HEADER);
    const secret = this.keys.get(key);
    if (secret === undefined) throw WebhookError.unknownKey(key);
    const signature = header(headers, WEBHOOK_SIGNATURE_HEADER);
    if (signature === undefined) throw WebhookError.missingSignature(WEBHOOK_SIGNATURE_HEADER);
    if (!webhookSignatureMatches(rawBody, secret, signature)) throw WebhookError.badSignature();
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw WebhookError.badJson();
    }
    const event = WebhookEvent.safeParse(json);
    if (!event.success) {
      const issue = event.error.issues[0]!;
      throw WebhookError.badEvent(`${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    return event.data;
  }
}

/** One header's value; a header sent twice counts as absent. */
function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}
