export { parseApiKeys, MIN_API_SECRET_LENGTH, type ApiKeys } from './apiKeys';
export { AccessTokenError, type AccessTokenRefusal } from './AccessTokenError';
export { verifyAccessToken } from './verifyAccessToken';
export { checkJoinGrant, permissionsFrom } from './grants';
