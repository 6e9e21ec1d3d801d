import { verdictOf, type Verdict } from './deliveryPolicy';
import type { SignedEvent } from './WebhookQueue';

export interface PostResult {
  verdict: Verdict;
  /** What happened, for the log: `HTTP 503`, `ECONNREFUSED`, `timeout`. */
  detail: string;
}

/**
 * One POST of a signed event with Node's global fetch (undici, keep-alive). A network error or a
 * timeout is worth another try. Redirects are not followed: a signed POST goes where it was told.
 */
export async function postWebhook(url: string, signed: SignedEvent, timeoutMs: number, stop: AbortSignal): Promise<PostResult> {
  let status: number;
  try {
    const response = await fetch(url, {
      method: 'POST',
      body: signed.body,
      headers: signed.headers,
      redirect: 'manual',
      signal: AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]),
    });
    status = response.status;
    // Read the answer to its end, keeping none of it, so the connection can carry the next post;
    // the verdict is the status alone, whatever happens to the body.
    await response.body?.pipeTo(new WritableStream()).catch(() => {});
  } catch (error) {
    return { verdict: 'retry', detail: describe(error) };
  }
  return { verdict: verdictOf(status), detail: `HTTP ${status}` };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timeout';
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : error.message;
}
