/**
 * What a page does between navigation and every remote tile playing, in its own clock (ms after
 * navigation start): an init script records the milestones of the join, so a slow join shows where
 * its time went. A string, so that tsx adds no `__name()` the page would not have.
 */
export const JOIN_TIMELINE = `(() => {
  if (window.top !== window) return;
  const t = { timeOrigin: performance.timeOrigin, page: {}, ws: {}, messages: {}, errors: [], pcs: [], media: {}, longTasks: [] };
  Object.defineProperty(window, '__joinTimeline', { value: t });
  const first = (o, k) => { if (!(k in o)) o[k] = performance.now(); };
  const Ws = window.WebSocket;
  window.WebSocket = class extends Ws {
    constructor(...args) {
      first(t.ws, 'created');
      super(...args);
      this.addEventListener('open', () => first(t.ws, 'open'));
      this.addEventListener('message', (e) => {
        if (typeof e.data !== 'string') return;
        const type = /"type":"([a-z_]+)"/.exec(e.data)?.[1];
        if (type) first(t.messages, type);
        if (type === 'error') t.errors.push(e.data);
      });
    }
    send(data) {
      if (typeof data === 'string') {
        const type = /"type":"([a-z_]+)"/.exec(data)?.[1];
        if (type) first(t.messages, 'sent_' + type);
      }
      return super.send(data);
    }
  };
  // The document and the app's script: when they arrived and when the script had run.
  addEventListener('DOMContentLoaded', () => {
    const nav = performance.getEntriesByType('navigation')[0];
    if (nav) {
      t.page.response_start = nav.responseStart;
      t.page.response_end = nav.responseEnd;
      t.page.dom_interactive = nav.domInteractive;
    }
    for (const r of performance.getEntriesByType('resource')) {
      if (r.name.endsWith('.js')) t.page.script_loaded = r.responseEnd;
      if (r.name.endsWith('.css')) t.page.styles_loaded = r.responseEnd;
    }
    t.page.dom_content_loaded = performance.now();
  });
  // Main-thread work of 50 ms or more: a message that arrives meanwhile waits for it.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) t.longTasks.push([Math.round(e.startTime), Math.round(e.duration)]);
  }).observe({ type: 'longtask', buffered: true });
  const md = navigator.mediaDevices;
  if (md) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = (c) => {
      const kind = c && c.video ? (c.audio ? 'av' : 'video') : 'audio';
      first(t.media, 'gum_' + kind + '_asked');
      return gum(c).then((s) => { first(t.media, 'gum_' + kind + '_got'); return s; });
    };
  }
  const Pc = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Pc {
    constructor(...args) {
      super(...args);
      const m = { created: performance.now() };
      t.pcs.push(m);
      this.addEventListener('icegatheringstatechange', () => first(m, 'gathering_' + this.iceGatheringState));
      this.addEventListener('iceconnectionstatechange', () => first(m, 'ice_' + this.iceConnectionState));
      this.addEventListener('connectionstatechange', () => first(m, 'pc_' + this.connectionState));
      this.addEventListener('track', () => first(m, 'track'));
      const setLocal = this.setLocalDescription.bind(this);
      this.setLocalDescription = (d) => { first(m, 'setLocal_' + (d?.type ?? 'implicit')); return setLocal(d); };
      const setRemote = this.setRemoteDescription.bind(this);
      this.setRemoteDescription = (d) => { first(m, 'setRemote_' + d.type); return setRemote(d); };
    }
  };
})();`;

export interface PageTimeline {
  /** The page's navigation start, epoch ms: to line the timeline up with the server's log. */
  timeOrigin: number;
  /** The document's and its script's arrival (Navigation and Resource Timing). */
  page: Record<string, number>;
  ws: Record<string, number>;
  messages: Record<string, number>;
  /** The server's error messages, as sent. */
  errors: string[];
  media: Record<string, number>;
  pcs: Record<string, number>[];
  /** [start, duration] of each main-thread task of 50 ms or more. */
  longTasks: [number, number][];
}
