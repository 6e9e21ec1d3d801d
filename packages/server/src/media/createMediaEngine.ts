import type { MediaEngineName } from './engineNames';
import type { MediaLogger } from './logger';
import { createSfuEngine } from './sfu/index';
import type { MediaEngine } from './types';
import { createWeriftEngine } from './WeriftEngine';

export interface MediaEngineOptions {
  engine: MediaEngineName;
  /** Addresses announced as ICE host candidates (CONFAB_PUBLIC_IP). */
  announcedAddresses?: string[];
  /** sfu: the media UDP port and ICE-TCP port (0 or unset: any free port). */
  rtcPort?: number;
  rtcTcpPort?: number;
  /** werift: the UDP port range its transports take slices of. */
  rtcMinPort?: number;
  rtcMaxPort?: number;
  logger?: MediaLogger;
}

/** The media plane chosen at start-up (CONFAB_MEDIA_ENGINE); both implement the same interface. */
export async function createMediaEngine(options: MediaEngineOptions): Promise<MediaEngine> {
  const { announcedAddresses, logger } = options;
  if (options.engine === 'werift') {
    return createWeriftEngine({ rtcMinPort: options.rtcMinPort, rtcMaxPort: options.rtcMaxPort, announcedAddresses, logger });
  }
  return createSfuEngine({ udpPort: options.rtcPort, tcpPort: options.rtcTcpPort, announcedAddresses, logger });
}
