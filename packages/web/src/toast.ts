/** Toasts (short notices, bottom) and banners (lasting conditions, top: disconnected, restarting). */
import { byId, h } from './dom';
import { icon, type IconName } from './icons';

export type NoticeKind = 'info' | 'success' | 'warning' | 'error';

export interface NoticeAction {
  label: string;
  onClick: () => void;
  primary?: boolean;
}

const KIND_ICON: Record<NoticeKind, IconName> = { info: 'info', success: 'check', warning: 'alert', error: 'alert' };

function actionButtons(actions: NoticeAction[], close: () => void, closeAfter: boolean): HTMLElement[] {
  return actions.map((a) =>
    h(
      'button',
      {
        type: 'button',
        class: a.primary ? 'btn btn-primary btn-sm' : 'btn btn-ghost btn-sm',
        onclick: () => {
          if (closeAfter) close();
          a.onClick();
        },
      },
      a.label,
    ),
  );
}

/** Shows a toast; returns a function that removes it early. */
export function toast(
  message: string,
  options: { kind?: NoticeKind; timeoutMs?: number; actions?: NoticeAction[] } = {},
): () => void {
  const kind = options.kind ?? 'info';
  const host = byId('toasts');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const close = (): void => {
    if (timer) clearTimeout(timer);
    el.classList.add('leaving');
    setTimeout(() => el.remove(), 200);
  };
  const el = h(
    'div',
    { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    icon(KIND_ICON[kind], 'icon toast-icon'),
    h('span', { class: 'toast-text' }, message),
    ...actionButtons(options.actions ?? [], close, true),
    h('button', { type: 'button', class: 'icon-btn toast-close', 'aria-label': 'Dismiss', title: 'Dismiss', onclick: close }, icon('close')),
  );
  host.appendChild(el);
  while (host.children.length > 4) host.firstElementChild?.remove();
  const timeoutMs = options.timeoutMs ?? (kind === 'error' ? 8000 : 4000);
  if (timeoutMs > 0) timer = setTimeout(close, timeoutMs);
  return close;
}

export interface BannerHandle {
  setMessage(message: string): void;
  close(): void;
}

const banners = new Map<string, { el: HTMLElement; text: HTMLElement }>();

/** Shows (or replaces) the banner with this key; stays until closed. */
export function banner(
  key: string,
  message: string,
  options: { kind?: NoticeKind; actions?: NoticeAction[]; busy?: boolean } = {},
): BannerHandle {
  closeBanner(key);
  const kind = options.kind ?? 'warning';
  const text = h('span', { class: 'banner-text' }, message);
  const close = (): void => closeBanner(key);
  const el = h(
    'div',
    { class: `banner banner-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-banner': key },
    options.busy ? h('span', { class: 'spinner spinner-sm', 'aria-hidden': 'true' }) : icon(KIND_ICON[kind], 'icon banner-icon'),
    text,
    ...actionButtons(options.actions ?? [], close, false),
  );
  byId('banners').appendChild(el);
  banners.set(key, { el, text });
  return {
    setMessage: (m) => {
      text.textContent = m;
    },
    close,
  };
}

export function closeBanner(key: string): void {
  const entry = banners.get(key);
  if (!entry) return;
  entry.el.remove();
  banners.delete(key);
}

export function closeAllBanners(): void {
  for (const key of [...banners.keys()]) closeBanner(key);
}
