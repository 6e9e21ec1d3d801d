import { writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Where Debian's `janus` package puts its plugins and transports. */
export const JANUS_LIB_DIR = '/usr/lib/x86_64-linux-gnu/janus';

export interface JanusConfigOptions {
  /** The temp directory that will hold the configuration and the folders Janus loads from. */
  dir: string;
  /** WebSocket API port on 127.0.0.1. */
  wsPort: number;
  /** UDP ports for ICE (one per handle). */
  rtpPorts: [number, number];
  /**
   * The one address Janus gathers its ICE candidate on. Janus skips loopback interfaces when it
   * gathers (ice.c), so this is a non-loopback local address; packets to it still take the
   * kernel's loopback path, as packets to our server on 127.0.0.1 do.
   */
  iceAddress: string;
  /**
   * 1: every handle's media on one static event loop (one thread), as our bench runs one media
   * worker. 0: Janus's default, a loop thread of its own per handle (N + 1 threads for N subscribers).
   */
  eventLoops: 0 | 1;
  /** Janus's own directory of plugins and transports. */
  libDir?: string;
}

/**
 * A minimal Janus: the VideoRoom plugin and the WebSocket transport only (each folder Janus loads
 * from holds one link, so nothing else starts), no event handlers, no loggers, API on loopback.
 * Media settings chosen to match what our server is measured with:
 * - `event_loops` (JanusConfigOptions.eventLoops): one thread for all media, or Janus's default;
 * - ICE-lite without ICE-TCP, as our media worker speaks; one IPv4 host candidate;
 * - `min_nack_queue = 1000`: retransmissions served from the last second, as our consumers do
 *   (MAX_RETRANSMIT_AGE_MS in SfuConsumer);
 * - `session_timeout = 0`: the bench's sessions need no keepalive traffic (our server's
 *   heartbeats are few per second and measured with it; Janus's would be one frame per 60 s anyway).
 */
export function writeJanusConfig(options: JanusConfigOptions): string {
  const { dir, wsPort, rtpPorts, iceAddress, eventLoops } = options;
  const lib = options.libDir ?? JANUS_LIB_DIR;
  const plugins = join(dir, 'plugins');
  const transports = join(dir, 'transports');
  const empty = join(dir, 'empty');
  for (const folder of [plugins, transports, empty]) mkdirSync(folder, { recursive: true });
  symlinkSync(join(lib, 'plugins', 'libjanus_videoroom.so'), join(plugins, 'libjanus_videoroom.so'));
  symlinkSync(join(lib, 'transports', 'libjanus_websockets.so'), join(transports, 'libjanus_websockets.so'));
  const file = join(dir, 'janus.jcfg');
  writeFileSync(
    file,
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${plugins}"
  transports_folder = "${transports}"
  events_folder = "${empty}"
  loggers_folder = "${empty}"
  debug_level = 3
  session_timeout = 0${eventLoops === 1 ? '\n  event_loops = 1' : ''}
}
media: {
  ipv6 = false
  min_nack_queue = 1000
  rtp_port_range = "${rtpPorts[0]}-${rtpPorts[1]}"
  no_media_timer = 1
}
nat: {
  ice_lite = true
  ice_tcp = false
  full_trickle = false
  ignore_mdns = true
  ice_enforce_list = "${iceAddress}"
}
events: {
  broadcast = false
}
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.websockets.jcfg'),
    `general: {
  json = "compact"
  ws = true
  ws_port = ${wsPort}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`,
  );
  // No rooms configured: the bench creates its own through the API.
  writeFileSync(join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
  return file;
}
