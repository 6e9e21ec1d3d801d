/** The media engines CONFAB_MEDIA_ENGINE selects between. */
export const MEDIA_ENGINES = ['sfu', 'werift'] as const;
export type MediaEngineName = (typeof MEDIA_ENGINES)[number];
