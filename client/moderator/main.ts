/**
 * The moderator dashboard: log in, the held queue first, the live comment
 * stream with filters and "load more", approve / deny / hide / restore (also
 * by keyboard), player actions, and each world's mood as a chart.
 *
 * Every piece of user text (comments, names, reasons) reaches the page through
 * `el()`/text nodes (dom.ts); nothing here sets innerHTML.
 */
import './styles.css';
import type { CommentView, FeedEvent, ModeratorView, SanctionView } from '../../shared/src/moderation.js';
import { COMMENT_STATUSES, type CommentStatus } from '../../shared/src/moderation.js';
import { WORLDS, WORLD_IDS } from '../../shared/src/worlds.js';
import { ApiFailure, ModerationApi } from './api.js';
import { byId, el, replaceChildren } from './dom.js';
import { LiveFeed, type FeedState } from './feed.js';
import {
  ACTION_KEYS,
  COMMENT_ACTIONS,
  DURATIONS,
  SHORTCUTS,
  canAct,
  describeLoginFailure,
  matchesFilter,
  when,
  type CommentAction,
  type Filter,
  type SentimentFilter,
} from './model.js';
import { MoodChart, summarise } from './mood.js';

const TOKEN_KEY = 'metaverse.moderator.token';
const PAGE = 30;
const ACTION_WORDS: Record<CommentAction, { label: string; done: string; key: string }> = {
  approve: { label: 'Approve', done: 'Approved', key: 'a' },
  deny: { label: 'Deny', done: 'Denied', key: 'd' },
  hide: { label: 'Hide', done: 'Hidden', key: 'h' },
  restore: { label: 'Restore', done: 'Restored', key: 'r' },
};
const FEED_WORDS: Record<FeedState, string> = {
  connecting: 'Connecting…',
  'catching-up': 'Catching up…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Offline',
};

type ListName = 'held' | 'stream';

interface ListState {
  ids: string[];
  cursor: string | null;
  filter: Filter;
  ol: HTMLOListElement;
  more: HTMLButtonElement;
  empty: HTMLElement;
}

const api = new ModerationApi();
const comments = new Map<string, CommentView>();
/** Comments the feed changed while a list request was out: their feed version wins over the (older) HTTP one. */
let touchedByFeed = new Set<string>();
let me: ModeratorView | null = null;
let mood: MoodChart | null = null;
let moodTimer: ReturnType<typeof setTimeout> | undefined;
let moodInterval: ReturnType<typeof setInterval> | undefined;
let selected: { list: ListName; id: string } | null = null;

const lists: Record<ListName, ListState> = {
  held: {
    ids: [],
    cursor: null,
    filter: { status: ['held'] },
    ol: byId<HTMLOListElement>('held-list'),
    more: byId<HTMLButtonElement>('held-more'),
    empty: byId('held-empty'),
  },
  stream: {
    ids: [],
    cursor: null,
    filter: {},
    ol: byId<HTMLOListElement>('stream-list'),
    more: byId<HTMLButtonElement>('stream-more'),
    empty: byId('stream-empty'),
  },
};

const feed = new LiveFeed({
  event: onFeedEvent,
  state: (state, detail) => {
    const node = byId('feed-state');
    node.dataset.state = state;
    node.textContent = FEED_WORDS[state];
    node.title = detail ?? '';
  },
  unauthorized: () => sessionEnded(),
  caughtUp: (first) => {
    if (first) void loadAll();
  },
});

// ---------- messages ----------

let flashTimer: ReturnType<typeof setTimeout> | undefined;
function flash(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const node = byId('flash');
  node.textContent = text;
  node.dataset.kind = kind;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => (node.textContent = ''), kind === 'error' ? 10_000 : 5000);
}

function announce(text: string): void {
  const node = byId('announcer');
  // Cleared first so the same words are announced again.
  node.textContent = '';
  requestAnimationFrame(() => (node.textContent = text));
}

function failureText(error: unknown): string {
  if (error instanceof ApiFailure) return error.status === 0 ? 'The server cannot be reached.' : `${error.message}.`;
  return error instanceof Error ? error.message : String(error);
}

// ---------- login ----------

function showLogin(message = ''): void {
  byId('app').hidden = true;
  byId('login').hidden = false;
  byId('login-error').textContent = message;
  byId<HTMLInputElement>(byId<HTMLInputElement>('login-name').value ? 'login-password' : 'login-name').focus();
}

function sessionEnded(): void {
  if (!api.token) return;
  stopDashboard();
  showLogin('Your session has ended. Log in again.');
}

byId<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = byId<HTMLInputElement>('login-name').value.trim();
  const password = byId<HTMLInputElement>('login-password').value;
  const error = byId('login-error');
  if (!name || !password) {
    error.textContent = 'Enter a login and a password.';
    return;
  }
  const button = byId<HTMLButtonElement>('login-submit');
  button.disabled = true;
  error.textContent = '';
  api
    .login(name, password)
    .then((res) => {
      byId<HTMLInputElement>('login-password').value = '';
      sessionStorage.setItem(TOKEN_KEY, res.token);
      startDashboard(res.token, res.moderator);
    })
    .catch((e: unknown) => {
      error.textContent = e instanceof ApiFailure ? describeLoginFailure(e.status, e.retryAfterSeconds) : describeLoginFailure(0, null);
      byId<HTMLInputElement>('login-password').select();
    })
    .finally(() => (button.disabled = false));
});

byId('logout').addEventListener('click', () => {
  void api.logout().catch(() => undefined);
  stopDashboard();
  showLogin('You are logged out.');
});

function startDashboard(token: string, moderator: ModeratorView): void {
  api.token = token;
  me = moderator;
  byId('login').hidden = true;
  byId('app').hidden = false;
  byId('who').textContent = `${moderator.login} (${moderator.role})`;
  const ban = byId('p-action').querySelector<HTMLOptionElement>('option[value=ban]')!;
  ban.disabled = moderator.role !== 'admin';
  ban.textContent = moderator.role === 'admin' ? 'Ban' : 'Ban (admins only)';
  mood ??= new MoodChart(byId<HTMLCanvasElement>('mood-chart'));
  // The feed first (asking for nothing old); the lists load once it is caught up, so nothing falls between.
  feed.start(token);
  moodInterval = setInterval(() => void loadMood(), 60_000);
}

function stopDashboard(): void {
  feed.stop();
  api.token = null;
  me = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearInterval(moodInterval);
  clearTimeout(moodTimer);
  moodTimer = undefined;
  comments.clear();
  byId('sanctions').replaceChildren();
  selected = null;
  for (const list of Object.values(lists)) {
    list.ids = [];
    list.cursor = null;
    list.ol.replaceChildren();
  }
}

api.onUnauthorized = sessionEnded;

// ---------- comments ----------

async function loadAll(): Promise<void> {
  await Promise.all([loadList('held', false), loadList('stream', false), loadSanctions(), loadMood()]);
}

async function loadList(name: ListName, more: boolean): Promise<void> {
  const list = lists[name];
  if (!more) touchedByFeed = new Set();
  list.more.disabled = true;
  try {
    const page = await api.comments(list.filter, PAGE, more ? list.cursor : null);
    if (!more) list.ids = [];
    for (const c of page.comments) {
      if (!touchedByFeed.has(c.id)) comments.set(c.id, c);
      if (!list.ids.includes(c.id)) list.ids.push(c.id);
    }
    // A held comment acted on meanwhile does not belong in the queue.
    if (name === 'held') list.ids = list.ids.filter((id) => comments.get(id)?.status === 'held');
    list.cursor = page.nextCursor;
    render(name);
  } catch (error) {
    flash(`Could not load comments: ${failureText(error)}`, 'error');
  } finally {
    list.more.disabled = false;
  }
}

/** A comment changed (feed or action): store it and put it where it belongs in both lists. */
function upsert(c: CommentView, fromFeed: boolean): void {
  if (fromFeed) touchedByFeed.add(c.id);
  comments.set(c.id, c);
  const held = lists.held;
  const inHeld = held.ids.includes(c.id);
  if (c.status === 'held' && !inHeld) insertByTime(held.ids, c);
  if (c.status !== 'held' && inHeld) held.ids = held.ids.filter((id) => id !== c.id);
  const stream = lists.stream;
  // Comments already listed stay (updated) even when they stop matching, so a moderator's place is kept.
  if (!stream.ids.includes(c.id) && matchesFilter(c, stream.filter) && isNewerThanOldestShown(stream, c)) insertByTime(stream.ids, c);
  render('held');
  render('stream');
}

function isNewerThanOldestShown(list: ListState, c: CommentView): boolean {
  // Older than the last loaded row while more pages exist: it will come with "load more".
  if (!list.cursor || list.ids.length === 0) return true;
  const oldest = comments.get(list.ids[list.ids.length - 1]!);
  return !oldest || c.createdAt >= oldest.createdAt;
}

function insertByTime(ids: string[], c: CommentView): void {
  const at = ids.findIndex((id) => (comments.get(id)?.createdAt ?? '') < c.createdAt);
  if (at === -1) ids.push(c.id);
  else ids.splice(at, 0, c.id);
}

function sentimentBadge(c: CommentView): HTMLElement {
  if (!c.sentiment) return el('span', { class: 'badge untagged', title: 'not tagged yet' }, 'untagged');
  const { label, positive } = c.sentiment;
  return el('span', { class: `badge ${label}`, title: `positive score ${positive.toFixed(2)}` }, `${label} ${positive.toFixed(2)}`);
}

function row(c: CommentView, list: ListName, index: number): HTMLLIElement {
  const isSelected = selected?.list === list && selected.id === c.id;
  // Roving tabindex: the selected row, or before any selection the first row of the page, is the one Tab reaches.
  const tabbable = isSelected || (!selected && index === 0 && (list === 'held' || lists.held.ids.length === 0));
  const actions = COMMENT_ACTIONS.filter((a) => canAct(a, c.status)).map((action) =>
    el(
      'button',
      {
        type: 'button',
        class: `act ${action}`,
        'aria-keyshortcuts': ACTION_WORDS[action].key,
        onclick: () => void act(action, c.id),
      },
      ACTION_WORDS[action].label,
      ' ',
      el('kbd', { 'aria-hidden': 'true' }, ACTION_WORDS[action].key),
    ),
  );
  const filled = c.filledText && c.filledText !== c.text ? el('p', { class: 'filled' }, el('span', { class: 'label' }, 'filled: '), c.filledText) : null;
  const li = el(
    'li',
    {
      class: `comment status-${c.status}${isSelected ? ' selected' : ''}`,
      'data-id': c.id,
      'data-status': c.status,
      tabindex: tabbable ? 0 : -1,
      'aria-current': isSelected ? 'true' : null,
      onclick: (e) => {
        if ((e.target as HTMLElement).closest('button')) return;
        select(list, c.id, true);
      },
      onfocus: () => {
        if (!(selected?.list === list && selected.id === c.id)) select(list, c.id, false);
      },
    },
    el(
      'div',
      { class: 'meta' },
      el(
        'button',
        { type: 'button', class: 'author', title: 'Player actions for this author', onclick: () => fillPlayer(c.authorName) },
        c.authorName,
      ),
      el('span', { class: 'world' }, WORLDS[c.worldId as keyof typeof WORLDS]?.name ?? c.worldId),
      el('time', { datetime: c.createdAt }, when(c.createdAt)),
      el('span', { class: `status ${c.status}` }, c.status),
      sentimentBadge(c),
    ),
    el('p', { class: 'text' }, c.text),
    filled,
    c.reason ? el('p', { class: 'reason' }, el('span', { class: 'label' }, 'reason: '), c.reason) : null,
    actions.length ? el('div', { class: 'actions' }, ...actions) : null,
  );
  return li;
}

function render(name: ListName): void {
  const list = lists[name];
  const hadFocus = list.ol.contains(document.activeElement);
  replaceChildren(list.ol, ...list.ids.map((id) => comments.get(id)).filter((c): c is CommentView => !!c).map((c, i) => row(c, name, i)));
  list.more.hidden = !list.cursor;
  list.empty.hidden = list.ids.length > 0;
  if (name === 'held') byId('held-count').textContent = String(list.ids.length) + (list.cursor ? '+' : '');
  if (hadFocus && selected?.list === name) focusSelected();
}

function rowsInOrder(): Array<{ list: ListName; id: string }> {
  return (['held', 'stream'] as const).flatMap((list) => lists[list].ids.filter((id) => comments.has(id)).map((id) => ({ list, id })));
}

function rowOf(sel: { list: ListName; id: string }): HTMLElement | null {
  return lists[sel.list].ol.querySelector<HTMLElement>(`li[data-id="${CSS.escape(sel.id)}"]`);
}

function select(list: ListName, id: string, focus: boolean): void {
  const previous = selected && rowOf(selected);
  if (previous) {
    previous.classList.remove('selected');
    previous.removeAttribute('aria-current');
  }
  for (const node of document.querySelectorAll<HTMLElement>('.comments li[tabindex="0"]')) node.tabIndex = -1;
  selected = { list, id };
  const node = rowOf(selected);
  if (node) {
    node.classList.add('selected');
    node.tabIndex = 0;
    node.setAttribute('aria-current', 'true');
    if (focus) focusSelected();
  }
}

function focusSelected(): void {
  const node = selected && rowOf(selected);
  if (!node) return;
  node.focus({ preventScroll: true });
  node.scrollIntoView({ block: 'nearest' });
}

function move(step: 1 | -1): void {
  const all = rowsInOrder();
  if (all.length === 0) return;
  const at = selected ? all.findIndex((r) => r.list === selected!.list && r.id === selected!.id) : -1;
  const next = all[at === -1 ? (step === 1 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step))]!;
  select(next.list, next.id, true);
}

async function act(action: CommentAction, id: string): Promise<void> {
  const c = comments.get(id);
  if (!c) return;
  if (!canAct(action, c.status)) {
    flash(`${ACTION_WORDS[action].label} does not apply to a ${c.status} comment.`, 'error');
    return;
  }
  // Keep the keyboard flow: when the row leaves the held queue, the next one there is selected.
  const wasSelected = selected?.id === id ? selected : null;
  const order = wasSelected ? rowsInOrder() : [];
  const at = wasSelected ? order.findIndex((r) => r.list === wasSelected.list && r.id === id) : -1;
  try {
    const res = await api.act(action, id);
    upsert(res.comment, false);
    flash(`${ACTION_WORDS[action].done} ${c.authorName}'s comment.`);
    if (wasSelected && !rowOf(wasSelected)) {
      const after = rowsInOrder();
      const next = after[Math.min(at, after.length - 1)];
      if (next) select(next.list, next.id, true);
    }
  } catch (error) {
    flash(`Could not ${action}: ${failureText(error)}`, 'error');
  }
}

// ---------- live feed ----------

function onFeedEvent(event: FeedEvent): void {
  if (event.comment) {
    const before = comments.get(event.comment.id);
    upsert(event.comment, true);
    if (event.type === 'comment.held' && before?.status !== 'held') {
      announce(`New held comment from ${event.comment.authorName}: ${event.comment.text}`);
    }
    if (event.type === 'comment.tagged') scheduleMood();
  }
  if (event.type === 'player.sanctioned' && event.sanction) {
    flash(`${event.sanction.name} was ${event.sanction.kind === 'ban' ? 'banned' : 'muted'} until ${when(event.sanction.expiresAt)}.`);
    void loadSanctions();
  }
  if (event.type === 'player.kicked' && event.player) flash(`${event.player.name} was kicked.`);
}

// ---------- filters ----------

function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const filterForm = byId<HTMLFormElement>('filters');
const worldSelect = byId<HTMLSelectElement>('f-world');
for (const id of WORLD_IDS) worldSelect.append(el('option', { value: id }, WORLDS[id].name));

filterForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(filterForm);
  const value = (k: string) => String(data.get(k) ?? '').trim();
  const status = value('status')
    .split(',')
    .filter((s): s is CommentStatus => (COMMENT_STATUSES as readonly string[]).includes(s));
  lists.stream.filter = {
    ...(value('world') ? { world: value('world') } : {}),
    ...(status.length ? { status } : {}),
    ...(value('sentiment') ? { sentiment: value('sentiment') as SentimentFilter } : {}),
    ...(value('author') ? { author: value('author') } : {}),
    ...(value('q') ? { q: value('q') } : {}),
    ...(localToIso(value('from')) ? { from: localToIso(value('from')) } : {}),
    ...(localToIso(value('to')) ? { to: localToIso(value('to')) } : {}),
  };
  lists.stream.cursor = null;
  void loadList('stream', false);
});
filterForm.addEventListener('reset', () => {
  lists.stream.filter = {};
  lists.stream.cursor = null;
  setTimeout(() => void loadList('stream', false));
});
lists.held.more.addEventListener('click', () => void loadList('held', true));
lists.stream.more.addEventListener('click', () => void loadList('stream', true));

// ---------- players ----------

const minutesSelect = byId<HTMLSelectElement>('p-minutes');
for (const d of DURATIONS) minutesSelect.append(el('option', { value: d.minutes }, d.label));
minutesSelect.value = '60';
const actionSelect = byId<HTMLSelectElement>('p-action');
actionSelect.addEventListener('change', () => (minutesSelect.disabled = actionSelect.value === 'kick'));

function fillPlayer(name: string): void {
  byId<HTMLInputElement>('p-name').value = name;
  actionSelect.focus();
}

byId<HTMLFormElement>('player-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = byId<HTMLInputElement>('p-name').value.trim();
  const reason = byId<HTMLInputElement>('p-reason').value.trim() || undefined;
  const minutes = Number(minutesSelect.value);
  const action = actionSelect.value as 'mute' | 'kick' | 'ban';
  if (!name) {
    flash('Enter the player name first.', 'error');
    byId('p-name').focus();
    return;
  }
  const run = action === 'kick' ? api.kick(name, reason) : action === 'ban' ? api.ban(name, minutes, reason) : api.mute(name, minutes, reason);
  const duration = DURATIONS.find((d) => d.minutes === minutes)?.label ?? `${minutes} minutes`;
  run
    .then(() => {
      flash(action === 'kick' ? `Kicked ${name}.` : `${action === 'ban' ? 'Banned' : 'Muted'} ${name} for ${duration}.`);
      byId<HTMLInputElement>('p-reason').value = '';
      void loadSanctions();
    })
    .catch((error: unknown) => flash(`Could not ${action} ${name}: ${failureText(error)}`, 'error'));
});

async function loadSanctions(): Promise<void> {
  try {
    const { sanctions } = await api.sanctions();
    renderSanctions(sanctions);
  } catch (error) {
    flash(`Could not load mutes and bans: ${failureText(error)}`, 'error');
  }
}

function renderSanctions(sanctions: SanctionView[]): void {
  const isAdmin = me?.role === 'admin';
  replaceChildren(
    byId('sanctions'),
    ...sanctions.map((s) =>
      el(
        'li',
        { class: `sanction ${s.kind}` },
        el('span', { class: `kind ${s.kind}` }, s.kind),
        el('strong', { class: 'name' }, s.name),
        isAdmin
          ? el(
              'button',
              {
                type: 'button',
                class: 'lift',
                'aria-label': `Lift the ${s.kind} of ${s.name}`,
                onclick: () =>
                  void api
                    .lift(s.id)
                    .then(() => {
                      flash(`Lifted the ${s.kind} of ${s.name}.`);
                      return loadSanctions();
                    })
                    .catch((error: unknown) => flash(`Could not lift: ${failureText(error)}`, 'error')),
              },
              'Lift',
            )
          : null,
        el('span', { class: 'until' }, `until ${when(s.expiresAt)}${s.moderator ? ` · by ${s.moderator}` : ''}`),
        s.reason ? el('span', { class: 'reason' }, el('span', { class: 'label' }, 'reason: '), s.reason) : null,
      ),
    ),
  );
  byId('sanctions-empty').hidden = sanctions.length > 0;
}

// ---------- mood ----------

function scheduleMood(): void {
  if (moodTimer) return;
  moodTimer = setTimeout(() => {
    moodTimer = undefined;
    void loadMood();
  }, 5000);
}

async function loadMood(): Promise<void> {
  try {
    const { points } = await api.mood(24, 30);
    mood?.update(points);
    replaceChildren(
      byId('mood-summary'),
      ...summarise(points).map((s) =>
        el(
          'li',
          { 'data-world': s.worldId },
          el('span', { class: 'swatch', 'aria-hidden': 'true' }),
          el('strong', {}, s.name),
          s.latest ? ` ${s.latest.positive.toFixed(2)} now · ${s.comments} tagged` : ' no tagged comments',
        ),
      ),
    );
  } catch (error) {
    flash(`Could not load the mood chart: ${failureText(error)}`, 'error');
  }
}

// ---------- keyboard ----------

replaceChildren(
  byId('keys-hint'),
  el('span', { class: 'sr-only' }, 'Keyboard shortcuts:'),
  ...SHORTCUTS.map((s) => el('span', { class: 'key' }, ...s.keys.map((k) => el('kbd', {}, k)), ` ${s.does}`)),
);

document.addEventListener('keydown', (event) => {
  if (byId('app').hidden || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target as HTMLElement;
  if (target.closest('input, select, textarea, [contenteditable]')) {
    if (event.key === 'Escape') target.blur();
    return;
  }
  const key = event.key;
  if (key === 'j' || key === 'k') {
    event.preventDefault();
    move(key === 'j' ? 1 : -1);
  } else if (key in ACTION_KEYS && selected) {
    event.preventDefault();
    void act(ACTION_KEYS[key]!, selected.id);
  } else if (key === 'p' && selected) {
    event.preventDefault();
    const c = comments.get(selected.id);
    if (c) fillPlayer(c.authorName);
  } else if (key === '/') {
    event.preventDefault();
    byId('f-q').focus();
  }
});

// ---------- start ----------

declare global {
  interface Window {
    /** For the browser tests only: simulate a dropped feed connection. */
    __moderation?: { pauseFeed(): void; resumeFeed(): void; lastEventId(): number | null };
  }
}
window.__moderation = { pauseFeed: () => feed.pause(), resumeFeed: () => feed.resume(), lastEventId: () => feed.lastEventId };

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  api.token = saved;
  api
    .me()
    .then((res) => startDashboard(saved, res.moderator))
    .catch(() => {
      api.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin();
    });
} else {
  showLogin();
}
