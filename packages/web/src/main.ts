/**
 * The router. `/` is the lobby; `/r/<room>` asks for a name (or takes `?name=`) and joins.
 * `document.body.dataset.state` says where we are: lobby | joining | in-room | error.
 */
import { isValidRoomName } from '@confab/protocol';
import { setAppState } from './appState';
import { byId } from './dom';
import { describeJoinError } from './errors';
import { renderLobby, renderNamePrompt } from './lobby';
import { ROOM_NAME_RULE, displayNameProblem } from './names';
import { roomFromPath, roomPath } from './routes';
import { renderJoinError, renderJoining } from './screens';
import { Session } from './session';
import { closeAllBanners } from './toast';

const app = byId('app');
let session: Session | null = null;

function navigate(path: string): void {
  if (location.pathname + location.search !== path) history.pushState(null, '', path);
  route();
}

function endSession(): void {
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
    renderLobby(app, (roomName, name) => {
      history.pushState(null, '', roomPath(roomName));
      join(roomName, name);
    });
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
  const name = new URLSearchParams(location.search).get('name')?.trim();
  const problem = name ? displayNameProblem(name) : null;
  if (name && !problem) {
    join(room, name);
    return;
  }
  setAppState('lobby');
  renderNamePrompt(app, room, (n) => join(room, n), () => navigate('/'), name && problem ? { name, error: problem } : undefined);
}

function join(room: string, name: string): void {
  endSession();
  setAppState('joining');
  renderJoining(app, room);
  const current = new Session(room, name, {
    mount: app,
    onLeft: () => navigate('/'),
    onRejoin: () => join(room, name),
    onFailed: (err) => {
      if (session !== current) return;
      session = null;
      setAppState('error');
      renderJoinError(app, describeJoinError(err, { room, serverUrl: location.origin }), {
        onRetry: () => join(room, name),
        onBack: () => navigate('/'),
      });
    },
  });
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
