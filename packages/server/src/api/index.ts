export { createAdminApi, type AdminApiHandler, type AdminApiOptions } from './createAdminApi';
