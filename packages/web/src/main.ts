/**
 * The router. `/` is the lobby; `/r/<room>` shows the pre-join screen (name from `?name=` or
 * remembered), or with `?name=<n>&prejoin=0` joins straight away with the remembered choices;
 * `?token=` is the invitation link's access token (token mode). A join refused for the meeting's
 * password comes back to the pre-join screen, which then asks for it.
 * `document.body.dataset.state` says where we are: lobby | prejoin | joining | waiting | in-room | removed | error.
 */
import './jitlessParsing';
import { isValidRoomName } from '@confab/protocol';
import { setAppState } from './appState';
import { byId } from './dom';
import { describeJoinError, describeRemoval, passwordProblem } from './errors';
import { renderLobby } from './lobby';
import { rememberedPublish } from './mediaChoices';
import { ROOM_NAME_RULE, displayNameProblem } from './names';
import { loadPref } from './prefs';
import { PreJoinScreen, type PreJoinChoice } from './preJoin';
import { roomFromPath, roomPath } from './routes';
import { renderJoinError, renderJoining } from './screens';
import { Session, type SessionAccess, type SessionMedia } from './session';
import { closeAllBanners } from './toast';
import { renderWaitingRoom } from './waitingRoom';

const app = byId('app');
let session: Session | null = null;
let preJoin: PreJoinScreen | null = null;

function navigate(path: string): void {
  if (location.pathname + location.search !== path) history.pushState(null, '', path);
  route();
}

function endSession(): void {
  preJoin?.destroy();
  preJoin = null;
  session?.close();
  session = null;
  closeAllBanners();
}

function route(): void {
  endSession();
  document.title = 'Confab';
  const room = roomFromPath(location.pathname);
  if (room === undefined) {
    if (location.pathname !== '/') history.replaceState(null, '', '/');
    setAppState('lobby');
    renderLobby(app, (roomName) => navigate(roomPath(roomName)));
    return;
  }
  if (!isValidRoomName(room)) {
    setAppState('error');
    renderJoinError(
      app,
      { title: 'That room name won’t work', message: `“${room}” isn’t a valid room name. ${ROOM_NAME_RULE}`, retry: false },
      { onRetry: route, onBack: () => navigate('/') },
    );
    return;
  }
  const params = new URLSearchParams(location.search);
  const name = params.get('name')?.trim();
  const problem = name ? displayNameProblem(name) : null;
  const access: SessionAccess = params.get('token') ? { token: params.get('token') as string } : {};
  if (name && !problem && params.get('prejoin') === '0') {
    join(room, name, rememberedMedia(), access);
    return;
  }
  showPreJoin(room, { value: name || (loadPref('name') ?? ''), error: name ? problem : null }, access);
}

/** `passwordPrompt`: the join was refused for the meeting's password; the screen asks for it. */
function showPreJoin(room: string, initialName: { value: string; error: string | null }, access: SessionAccess, passwordPrompt: string | null = null): void {
  setAppState('prejoin');
  document.title = `${room} · Confab`;
  const screen = new PreJoinScreen(
    room,
    initialName,
    {
      join: (choice) => join(room, choice.name, fromPreJoin(choice), { ...access, ...(choice.password ? { password: choice.password } : {}) }),
      back: () => navigate('/'),
    },
    passwordPrompt,
  );
  preJoin = screen;
  screen.mount(app);
}

/** The pre-join preview tracks, handed to the room as they are (false: that device stays off). */
function fromPreJoin(choice: PreJoinChoice): SessionMedia {
  return { publish: { microphone: choice.microphone ?? false, camera: choice.camera ?? false }, speakerId: choice.speakerId };
}

function rememberedMedia(): SessionMedia {
  return { publish: rememberedPublish(), speakerId: loadPref('speakerDevice') };
}

function join(room: string, name: string, media: SessionMedia, access: SessionAccess): void {
  endSession();
  setAppState('joining');
  renderJoining(app, room);
  const again = (): void => join(room, name, rememberedMedia(), access);
  const current = new Session(room, name, {
    mount: app,
    onLeft: () => navigate('/'),
    onRejoin: again,
    onFailed: (err) => {
      if (session !== current) return;
      session = null;
      const askPassword = passwordProblem(err, access.password !== undefined);
      if (askPassword !== null) {
        showPreJoin(room, { value: name, error: null }, { ...(access.token ? { token: access.token } : {}) }, askPassword);
        return;
      }
      setAppState('error');
      renderJoinError(app, describeJoinError(err, { room, serverUrl: location.origin }), { onRetry: again, onBack: () => navigate('/') });
    },
    onWaiting: () => {
      if (session !== current) return;
      setAppState('waiting');
      renderWaitingRoom(app, room, () => navigate('/'));
    },
    onRemoved: (err) => {
      if (session !== current) return;
      session = null;
      closeAllBanners();
      setAppState('removed');
      renderJoinError(app, describeRemoval(err.removal, room), { onRetry: again, onBack: () => navigate('/') });
    },
  }, media, access);
  session = current;
  void current.start();
}

window.addEventListener('popstate', route);
// A clean leave tells the others at once instead of after a timeout.
window.addEventListener('pagehide', () => session?.close());
// Restored from the back/forward cache after that leave: start over from the URL.
window.addEventListener('pageshow', (ev) => {
  if (ev.persisted) route();
});
route();
