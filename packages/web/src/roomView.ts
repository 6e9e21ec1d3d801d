/**
 * The room: tiles, control bar, people and chat, and for moderators the lobby, a menu per person
 * and the meeting controls. Every SDK event leads to a `sync` that reads the participant's current
 * tracks and brings its tiles, audio and list row in line with them, so the view never depends on
 * the order events arrive in.
 */
import {
  RoomEvent,
  type ActiveSpeaker,
  type ChatMessage,
  type ConfabError,
  type ConnectionQuality,
  type LocalParticipant,
  type Permissions,
  type RemoteParticipant,
  type RemoteTrack,
  type Room,
  type RoomEvents,
} from '@confab/client';
import { setAppState } from './appState';
import { AudioSinks } from './audioSinks';
import { ChatPanel } from './chatPanel';
import { ConnectionNotices } from './connectionNotices';
import { Controls, type DeviceState } from './controls';
import { DevicePicker } from './devices';
import { Disposer, h } from './dom';
import { describeRoomError } from './errors';
import { Grid } from './grid';
import { icon } from './icons';
import { LocalActions } from './localActions';
import { ModerationActions } from './moderation';
import { ModerationNotices } from './moderationNotices';
import { ModeratorControls } from './moderatorControls';
import { ModeratorMenu } from './moderatorMenu';
import { ParticipantList, type PersonRow } from './participantList';
import { savePref } from './prefs';
import { RecordingIndicator } from './recordingIndicator';
import { RecordingNotices } from './recordingNotices';
import { Tile, type TileSource } from './tile';
import { toast } from './toast';
import { WaitingList } from './waitingList';

export interface RoomViewCallbacks {
  /** The user pressed Leave. */
  leave(): void;
  /** The user pressed Rejoin after a disconnect. */
  rejoin(): void;
  /** The server sent us out for good: removed, banned, replaced, the meeting ended. */
  removed(err: ConfabError): void;
}

type Source = 'microphone' | 'camera' | 'screen';

/** Tiles, audio and speaking state of the local participant live under this key. */
const LOCAL = 'local';
const WIDE_QUERY = '(min-width: 900px)';

function deviceState(track: { muted: boolean } | undefined): DeviceState {
  return !track ? 'none' : track.muted ? 'off' : 'on';
}

export class RoomView {
  readonly el: HTMLElement;
  private readonly disposer = new Disposer();
  private readonly grid = new Grid();
  private readonly tiles = new Map<string, Tile>();
  /** Who is speaking now, by tile key, with the level the server measured (its active_speakers). */
  private speaking = new Map<string, number>();
  /** The tile key of the dominant speaker, and of the last remote one (speaker view features that one). */
  private dominant: string | null = null;
  private featured: string | null = null;
  private speakerView = false;
  private readonly audio: AudioSinks;
  private readonly controls: Controls;
  private readonly devices: DevicePicker;
  private readonly people = new ParticipantList((id, anchor) => this.openMenu(id, anchor));
  private readonly chat: ChatPanel;
  private readonly moderation: ModerationActions;
  private readonly menu: ModeratorMenu;
  private readonly moderatorControls: ModeratorControls;
  private readonly waiting: WaitingList;
  private readonly moderationNotices: ModerationNotices;
  private readonly recordingIndicator = new RecordingIndicator();
  private readonly recordingNotices: RecordingNotices;
  /** What we were allowed before the last change, to say what changed. */
  private permissions: Permissions;
  private readonly panel: HTMLElement;
  private readonly actions: LocalActions;
  private readonly notices: ConnectionNotices;
  private panelOpen: boolean;
  private unread = 0;
  private destroyed = false;

  constructor(
    private readonly room: Room,
    private readonly callbacks: RoomViewCallbacks,
    /** `recordingConsentAsked`: the consent dialog tells of the recording, no entry notice needed. */
    options: { speakerId?: string | null; recordingConsentAsked?: boolean } = {},
  ) {
    this.panelOpen = window.matchMedia(WIDE_QUERY).matches;
    this.actions = new LocalActions(room, () => this.syncLocal());
    this.permissions = room.permissions;
    this.moderation = new ModerationActions(room, () => {
      this.moderatorControls.update(room.access);
      this.moderatorControls.showRecording(room.recording);
    });
    this.menu = new ModeratorMenu({
      mute: (target, source) => void this.moderation.mute(target, source),
      setModerator: (target, moderator) => void this.moderation.setModerator(target, moderator),
      remove: (target, ban) => void this.moderation.remove(target, ban),
    });
    this.moderatorControls = new ModeratorControls({
      record: (on) => void this.moderation.record(on),
      lock: (locked) => void this.moderation.lock(locked),
      lobby: (on) => void this.moderation.lobby(on),
      setPassword: (password) => this.moderation.setPassword(password),
      endMeeting: () => void this.moderation.endMeeting(),
      onOpenChange: (open) => this.controls.setModeratorControlsExpanded(open),
    });
    this.moderatorControls.update(room.access);
    this.moderatorControls.showRecording(room.recording);
    this.waiting = new WaitingList({
      admit: (person) => void this.moderation.admit(person),
      deny: (person) => void this.moderation.deny(person),
    });
    this.moderationNotices = new ModerationNotices((person, admit) => void (admit ? this.moderation.admit(person) : this.moderation.deny(person)));
    this.recordingNotices = new RecordingNotices(() => room.localParticipant.id);
    this.notices = new ConnectionNotices({ rejoin: () => callbacks.rejoin(), leave: () => callbacks.leave() });
    this.audio = new AudioSinks(() =>
      toast('Your browser blocked sound until you interact with the page. Click anywhere to hear the others.', {
        kind: 'warning',
        timeoutMs: 0,
        actions: [{ label: 'Enable sound', primary: true, onClick: () => this.audio.resumeAll() }],
      }),
    );
    if (options.speakerId) this.audio.setSpeaker(options.speakerId);
    this.controls = new Controls(room.name, {
      toggleMic: () => void this.actions.toggle('microphone'),
      toggleCamera: () => void this.actions.toggle('camera'),
      toggleScreen: () => void this.actions.toggleScreen(),
      toggleHand: () => void this.actions.toggleHand(),
      toggleDevices: (anchor) => this.devices.toggle(anchor),
      toggleModeratorControls: (anchor) => this.moderatorControls.toggle(anchor),
      setStatus: (status) => void this.actions.setStatus(status),
      copyLink: () => void this.actions.copyLink(),
      togglePanel: () => this.setPanelOpen(!this.panelOpen),
      toggleLayout: () => this.setSpeakerView(!this.speakerView),
      leave: () => this.callbacks.leave(),
    }, this.recordingIndicator.el);
    this.devices = new DevicePicker({
      current: () => this.actions.currentDevices(),
      choose: (kind, deviceId) => void this.actions.chooseDevice(kind, deviceId).then(() => this.devices.refresh()),
      chooseSpeaker: (deviceId) => {
        savePref('speakerDevice', deviceId);
        this.audio.setSpeaker(deviceId);
      },
      onOpenChange: (open) => this.controls.setDevicesExpanded(open),
    });
    this.chat = new ChatPanel((text) => this.actions.sendChat(text));

    const closePanel = h(
      'button',
      { type: 'button', class: 'icon-btn panel-close', 'aria-label': 'Close people and chat', title: 'Close', onclick: () => this.setPanelOpen(false) },
      icon('close'),
    );
    this.panel = h('aside', { id: 'side-panel', class: 'side-panel', 'aria-label': 'People and chat' }, closePanel, this.waiting.el, this.people.el, this.chat.el);
    this.el = h(
      'div',
      { class: 'room' },
      h('div', { class: 'room-body' }, h('main', { class: 'stage', 'aria-label': `Room ${room.name}` }, this.grid.el), this.panel),
      this.controls.el,
      this.devices.el,
      this.moderatorControls.el,
      this.menu.el,
      this.audio.el,
    );
    if (!navigator.mediaDevices || typeof navigator.mediaDevices.getDisplayMedia !== 'function') {
      this.controls.el.querySelector('.ctl-screen')?.setAttribute('hidden', '');
    }

    this.subscribe();
    this.recordingIndicator.show(room.recording);
    if (!options.recordingConsentAsked) this.recordingNotices.entered(room.recording);
    this.syncAll();
    this.onLobby();
    this.setPanelOpen(this.panelOpen);
    this.setSpeakerView(new URLSearchParams(location.search).get('layout') === 'speaker');
    this.disposer.listen(window, 'keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Escape' && this.panelOpen && !window.matchMedia(WIDE_QUERY).matches) this.setPanelOpen(false);
    });
    document.title = `${room.name} · Confab`;
    if (room.state === 'disconnected') this.onDisconnected();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.disposer.dispose();
    this.actions.close();
    this.notices.destroy();
    this.moderationNotices.destroy();
    this.recordingNotices.destroy();
    this.audio.destroy();
    this.devices.destroy();
    this.moderatorControls.destroy();
    this.menu.destroy();
    this.grid.destroy();
    for (const tile of this.tiles.values()) tile.destroy();
    this.tiles.clear();
    this.el.remove();
  }

  // ---- SDK events ----

  private listen<K extends keyof RoomEvents>(event: K, fn: (...args: RoomEvents[K]) => void): void {
    this.room.on(event, fn);
    this.disposer.add(() => this.room.off(event, fn));
  }

  private subscribe(): void {
    const syncOwner = (participant: { id: string }): void => {
      if (participant.id === this.room.localParticipant.id) this.syncLocal();
      else this.syncRemoteById(participant.id);
    };
    this.listen(RoomEvent.ParticipantJoined, (p) => this.syncRemote(p));
    this.listen(RoomEvent.ParticipantLeft, (p) => this.removeRemote(p.id));
    this.listen(RoomEvent.ParticipantUpdated, (p) => syncOwner(p));
    this.listen(RoomEvent.TrackPublished, (_t, p) => syncOwner(p));
    this.listen(RoomEvent.TrackUnpublished, (_t, p) => syncOwner(p));
    this.listen(RoomEvent.TrackSubscribed, (_t, p) => syncOwner(p));
    this.listen(RoomEvent.TrackUnsubscribed, (_t, p) => syncOwner(p));
    this.listen(RoomEvent.TrackMuted, (_t, p) => syncOwner(p));
    this.listen(RoomEvent.TrackStreamStateChanged, (_t, p) => syncOwner(p));
    this.listen(RoomEvent.LocalTrackPublished, () => this.syncLocal());
    this.listen(RoomEvent.LocalTrackUnpublished, () => this.syncLocal());
    this.listen(RoomEvent.LocalParticipantUpdated, () => this.syncLocal());
    this.listen(RoomEvent.MutedByModerator, (track) => {
      this.moderationNotices.mutedByModerator(track);
      if (track.source === 'screen') void this.actions.stopScreen();
    });
    this.listen(RoomEvent.PermissionsChanged, (permissions) => this.onPermissions(permissions));
    this.listen(RoomEvent.RoomAccessChanged, (access) => {
      this.moderatorControls.update(access);
      this.updateControls();
    });
    this.listen(RoomEvent.LobbyChanged, () => this.onLobby());
    this.listen(RoomEvent.RecordingChanged, (recording, stop) => {
      this.recordingIndicator.show(recording);
      this.moderatorControls.showRecording(recording);
      this.recordingNotices.changed(recording, stop);
    });
    this.listen(RoomEvent.SystemMessage, (message) => {
      this.chat.addSystem(message);
      this.countUnread();
    });
    this.listen(RoomEvent.ChatMessage, (m) => this.onChat(m));
    this.listen(RoomEvent.ConnectionStateChanged, (state) => this.onConnectionState(state));
    this.listen(RoomEvent.ShutdownAnnounced, (seconds) => this.notices.shutdown(seconds));
    this.listen(RoomEvent.ActiveSpeakersChanged, (speakers) => this.onActiveSpeakers(speakers));
    this.listen(RoomEvent.DominantSpeakerChanged, (id) => this.onDominantSpeaker(id));
    this.listen(RoomEvent.ConnectionQualityChanged, (quality, id) => this.onQuality(this.keyOf(id), quality));
    this.listen(RoomEvent.Error, (err) => this.onError(err));
  }

  private onChat(message: ChatMessage): void {
    this.chat.add(message);
    if (!message.fromSelf) this.countUnread();
  }

  private countUnread(): void {
    if (this.panelOpen) return;
    this.unread++;
    this.updateControls();
  }

  /** Made or unmade moderator: menus, meeting controls and the lobby appear or go. Publishing revoked: say so. */
  private onPermissions(permissions: Permissions): void {
    const before = this.permissions;
    this.permissions = permissions;
    if (permissions.moderator !== before.moderator) {
      this.moderationNotices.moderatorChanged(permissions.moderator);
      if (!permissions.moderator) {
        this.menu.close();
        this.moderatorControls.close();
      }
    }
    if (before.canPublish && !permissions.canPublish) this.moderationNotices.publishingRevoked();
    this.syncAll();
    this.onLobby();
  }

  private onLobby(): void {
    const waiting = this.room.permissions.moderator ? this.room.moderation.waiting : [];
    this.waiting.update(waiting);
    this.moderationNotices.lobby(waiting);
  }

  /** The moderator's menu for participant `id`, as they are now. */
  private openMenu(id: string, anchor: HTMLElement): void {
    const p = this.room.participants.get(id);
    if (!p || !this.room.permissions.moderator) return;
    const tracks = p.tracks as ReadonlyMap<Source, { muted: boolean }>;
    this.menu.toggle(anchor, {
      id,
      name: p.name,
      mic: deviceState(tracks.get('microphone')),
      camera: deviceState(tracks.get('camera')),
      screen: !!tracks.get('screen') && !tracks.get('screen')?.muted,
      moderator: p.moderator,
    });
  }

  private onConnectionState(state: string): void {
    this.el.dataset.connection = state;
    if (state === 'reconnecting') {
      this.notices.reconnecting();
    } else if (state === 'connected') {
      this.notices.connected();
      this.controls.setEnabled(true);
      setAppState('in-room');
      this.syncAll();
    } else if (state === 'disconnected') {
      this.onDisconnected();
    }
  }

  private onDisconnected(): void {
    const error = this.room.disconnectError;
    if (error?.code === 'removed') {
      this.callbacks.removed(error);
      return;
    }
    this.devices.close();
    this.menu.close();
    this.moderatorControls.close();
    this.controls.setEnabled(false);
    this.syncAll();
    this.notices.disconnected(this.room.disconnectReason);
    setAppState('error');
  }

  /** Asynchronous errors; media ones come from publishing microphone and camera at join. */
  private onError(err: ConfabError): void {
    if (this.destroyed) return;
    if (err.code === 'media_denied' || err.code === 'media_unavailable') this.actions.joinMediaFailed(err);
    else toast(describeRoomError(err), { kind: 'error' });
  }

  // ---- reconciling the view with the SDK's model ----

  private syncAll(): void {
    if (this.destroyed) return;
    this.syncLocal();
    for (const p of this.room.participants.values()) this.syncRemote(p, false);
    for (const key of this.tiles.keys()) {
      const id = key.slice(0, key.lastIndexOf('/'));
      if (id !== LOCAL && !this.room.participants.has(id)) this.removeRemote(id);
    }
    this.syncPeople();
  }

  private syncLocal(): void {
    if (this.destroyed) return;
    const lp = this.room.localParticipant;
    const mic = lp.tracks.get('microphone');
    const camera = lp.tracks.get('camera');
    const screen = lp.tracks.get('screen');
    const tile = this.ensureTile(LOCAL, 'camera', lp.name, true);
    tile.setTrack(camera?.mediaStreamTrack ?? null);
    tile.setVideoOff(!camera || camera.muted);
    tile.setMicMuted(!mic || mic.muted);
    tile.setStatus(lp.status);
    tile.setHandRaised(lp.handRaised);
    tile.setModerator(lp.moderator);
    this.syncScreen(LOCAL, lp.name, true, screen && !screen.muted ? screen.mediaStreamTrack : null, !!screen);
    this.updateControls();
    this.syncPeople();
  }

  private syncRemoteById(id: string): void {
    const p = this.room.participants.get(id);
    if (p) this.syncRemote(p);
  }

  private syncRemote(p: RemoteParticipant, updateList = true): void {
    if (this.destroyed || !this.room.participants.has(p.id)) return;
    const mic = p.tracks.get('microphone');
    const camera = p.tracks.get('camera');
    const screen = p.tracks.get('screen');
    const tile = this.ensureTile(p.id, 'camera', p.name, false);
    tile.setName(p.name);
    tile.setRemoteTrack(camera ?? null);
    tile.setStreamState(camera?.streamState ?? 'active', camera?.streamPauseReason);
    tile.setVideoOff(!camera || camera.muted || !camera.mediaStreamTrack);
    tile.setMicMuted(!mic || mic.muted);
    tile.setStatus(p.status);
    tile.setReconnecting(p.connection === 'reconnecting');
    tile.setHandRaised(p.handRaised);
    tile.setModerator(p.moderator);
    tile.setModerable(this.room.permissions.moderator);
    this.syncScreen(p.id, p.name, false, screen && !screen.muted ? (screen.mediaStreamTrack ?? null) : null, !!screen, screen && !screen.muted ? screen : null);
    this.audio.set(p.id, mic?.mediaStreamTrack ?? null);
    if (updateList) this.syncPeople();
  }

  private syncScreen(key: string, name: string, local: boolean, track: MediaStreamTrack | null, published: boolean, remote?: RemoteTrack | null): void {
    if (!published) {
      this.dropTile(`${key}/screen`);
      return;
    }
    const tile = this.ensureTile(key, 'screen', name, local);
    tile.setName(name);
    if (remote === undefined) tile.setTrack(track);
    else {
      tile.setRemoteTrack(remote);
      tile.setStreamState(remote?.streamState ?? 'active', remote?.streamPauseReason);
    }
    tile.setVideoOff(!track);
  }

  private removeRemote(id: string): void {
    this.dropTile(`${id}/camera`);
    this.dropTile(`${id}/screen`);
    this.audio.set(id, null);
    this.speaking.delete(id);
    if (this.featured === id) this.featured = null;
    this.syncPeople();
  }

  private ensureTile(key: string, source: TileSource, name: string, local: boolean): Tile {
    const id = `${key}/${source}`;
    let tile = this.tiles.get(id);
    if (!tile) {
      const onMenu = !local && source === 'camera' ? (anchor: HTMLElement) => this.openMenu(key, anchor) : undefined;
      tile = new Tile({ name, source, local, ...(onMenu ? { onMenu } : {}) });
      if (source === 'camera') {
        const level = this.speaking.get(key);
        tile.setSpeaking(level !== undefined, level);
        tile.setDominant(this.dominant === key);
      }
      tile.setQuality(this.room.connectionQuality(key === LOCAL ? this.room.localParticipant.id : key));
      this.tiles.set(id, tile);
      this.grid.add(tile.el);
      if (source === 'camera' && this.featured === key) this.grid.setFeatured(tile.el);
    }
    return tile;
  }

  private dropTile(id: string): void {
    const tile = this.tiles.get(id);
    if (!tile) return;
    this.grid.remove(tile.el);
    tile.destroy();
    this.tiles.delete(id);
  }

  /** Tiles, audio and list rows are keyed by participant id, and LOCAL for you. */
  private keyOf(participantId: string): string {
    return participantId === this.room.localParticipant.id ? LOCAL : participantId;
  }

  private onActiveSpeakers(speakers: readonly ActiveSpeaker[]): void {
    const before = this.speaking;
    this.speaking = new Map(speakers.map((s) => [this.keyOf(s.participantId), s.level]));
    for (const key of new Set([...before.keys(), ...this.speaking.keys()])) {
      const level = this.speaking.get(key);
      this.tiles.get(`${key}/camera`)?.setSpeaking(level !== undefined, level);
    }
    if (before.size !== this.speaking.size || [...before.keys()].some((k) => !this.speaking.has(k))) this.syncPeople();
  }

  /** The server's dominant speaker: marked on its tile; speaker view features the last remote one. */
  private onDominantSpeaker(participantId: string | null): void {
    const key = participantId === null ? null : this.keyOf(participantId);
    if (this.dominant !== null) this.tiles.get(`${this.dominant}/camera`)?.setDominant(false);
    this.dominant = key;
    if (key !== null) this.tiles.get(`${key}/camera`)?.setDominant(true);
    if (key !== null && key !== LOCAL) {
      this.featured = key;
      this.grid.setFeatured(this.tiles.get(`${key}/camera`)?.el ?? null);
    }
  }

  private onQuality(key: string, quality: ConnectionQuality): void {
    this.tiles.get(`${key}/camera`)?.setQuality(quality);
    this.tiles.get(`${key}/screen`)?.setQuality(quality);
  }

  private setSpeakerView(on: boolean): void {
    this.speakerView = on;
    this.grid.setSpeakerView(on);
    this.el.dataset.layout = on ? 'speaker' : 'grid';
    this.updateControls();
  }

  private syncPeople(): void {
    const lp = this.room.localParticipant;
    const rows: PersonRow[] = [this.personRow(LOCAL, lp, true)];
    const remotes = [...this.room.participants.values()].sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime());
    for (const p of remotes) rows.push(this.personRow(p.id, p, false));
    this.people.update(rows);
  }

  private personRow(key: string, p: LocalParticipant | RemoteParticipant, local: boolean): PersonRow {
    const tracks = p.tracks as ReadonlyMap<Source, { muted: boolean }>;
    return {
      id: key,
      name: p.name,
      status: p.status,
      mic: deviceState(tracks.get('microphone')),
      camera: deviceState(tracks.get('camera')),
      screen: tracks.has('screen'),
      local,
      speaking: this.speaking.has(key),
      hand: p.handRaised,
      moderator: p.moderator,
      moderable: !local && this.room.permissions.moderator,
    };
  }

  private updateControls(): void {
    const lp = this.room.localParticipant;
    this.controls.update({
      mic: deviceState(lp.tracks.get('microphone')),
      camera: deviceState(lp.tracks.get('camera')),
      screen: lp.tracks.has('screen'),
      status: lp.status,
      panelOpen: this.panelOpen,
      unread: this.unread,
      speakerView: this.speakerView,
      handRaised: lp.handRaised,
      moderator: this.room.permissions.moderator,
      locked: this.room.access.locked,
    });
  }

  // ---- the side panel ----

  private setPanelOpen(open: boolean): void {
    this.panelOpen = open;
    this.el.classList.toggle('panel-open', open);
    if (open) {
      this.unread = 0;
      this.chat.scrollToEnd();
    }
    this.updateControls();
  }
}
