export { AccessToken, DEFAULT_TOKEN_TTL, type AccessTokenOptions } from './AccessToken';
export { signWebhook, webhookSignatureMatches } from './webhookSignature';
export { WebhookReceiver, type WebhookHeaders } from './WebhookReceiver';
export { WebhookError, type WebhookRefusal } from './WebhookError';
export { AdminClient, type AdminToken } from './AdminClient';
export { AdminApiError } from './AdminApiError';
