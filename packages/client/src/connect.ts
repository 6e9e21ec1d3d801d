import { isValidRoomName } from '@confab/protocol';
import { ConfabError } from './errors';
import { Room, type ConnectOptions } from './Room';
import { toSignalUrl } from './url';
import { sendEncodingsFor } from './videoEncoding';

/**
 * Joins `room` as `name` on the server at `url` (`ws(s)://host/rtc`, or `http(s)://host` to which
 * `/rtc` is appended). Resolves once joined (in a room with a lobby, once a moderator let us in:
 * see `options.onWaiting`); publishing from `options.publish` then starts in the background
 * (failures arrive as RoomEvent.Error). A refused join rejects with the server's code and its
 * `refusal` (token, password, ban, lock, lobby; `describeRefusal()` words it).
 */
export async function connect(url: string, room: string, name: string, options: ConnectOptions = {}): Promise<Room> {
  if (!isValidRoomName(room)) throw ConfabError.invalid('room name must be 1-64 letters, digits, "-", "_" or "."');
  try {
    sendEncodingsFor('camera', options.publishDefaults);
    sendEncodingsFor('screen', options.publishDefaults);
  } catch (error) {
    throw ConfabError.invalid(`publishDefaults: ${(error as Error).message}`);
  }
  const signalUrl = toSignalUrl(url);
  const instance = new Room(room, options);
  await instance.join(signalUrl, name);
  return instance;
}
