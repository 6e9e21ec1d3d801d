export type WebhookRefusal = 'missing_key' | 'unknown_key' | 'missing_signature' | 'bad_signature' | 'bad_json' | 'bad_event';

/** A webhook that is not to be trusted or not understood: `reason` for programs, the message for people. */
export class WebhookError extends Error {
  override readonly name = 'WebhookError';

  private constructor(
    readonly reason: WebhookRefusal,
    message: string,
  ) {
    super(message);
  }

  static missingKey(header: string): WebhookError {
    return new WebhookError('missing_key', `webhook has no ${header} header naming its API key`);
  }
  static unknownKey(key: string): WebhookError {
    return new WebhookError('unknown_key', `webhook is signed with API key ${JSON.stringify(key.slice(0, 64))}, which this receiver was not given`);
  }
  static missingSignature(header: string): WebhookError {
    return new WebhookError('missing_signature', `webhook has no ${header} header`);
  }
  static badSignature(): WebhookError {
    return new WebhookError('bad_signature', 'webhook signature does not match its body: check the body is passed exactly as received, and the secret');
  }
  static badJson(): WebhookError {
    return new WebhookError('bad_json', 'webhook body is not JSON');
  }
  static badEvent(why: string): WebhookError {
    return new WebhookError('bad_event', `webhook body is not a Confab event: ${why}`);
  }
}
