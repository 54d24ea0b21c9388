/**
 * The chat's DOM: the input with word suggestions, the log, the notices, and
 * the content of speech bubbles. State lives in ChatModel; this only draws it.
 */
import { badgeFor, type ChatEntry, type ChatModel } from '../logic/chatModel.js';
import { fillGap } from '../logic/gaps.js';
import { Suggester, type Suggestions } from '../logic/suggest.js';
import { fetchFillMask } from '../net/api.js';

export class ChatView {
  private drawnVersion = -1;
  private drawnModel: ChatModel | undefined;
  private suggestions: Suggestions | undefined;
  private readonly suggester: Suggester;
  /** Removes this view's listeners on dispose (the page's chat elements outlive it). */
  private readonly listeners = new AbortController();

  constructor(
    private readonly els: {
      form: HTMLFormElement;
      input: HTMLInputElement;
      log: HTMLOListElement;
      suggestions: HTMLUListElement;
      notices: HTMLElement;
    },
    private readonly send: (text: string) => void,
  ) {
    this.suggester = new Suggester(fetchFillMask, (s) => this.showSuggestions(s));
    const { signal } = this.listeners;
    els.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = els.input.value.trim();
      if (!text) return;
      this.send(text);
      els.input.value = '';
      this.suggester.cancel();
      this.showSuggestions(undefined);
      // Back to walking: WASD should move again right after sending.
      els.input.blur();
    }, { signal });
    els.input.addEventListener('input', () => this.suggester.update(els.input.value, els.input.selectionStart ?? els.input.value.length), { signal });
    els.input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') els.input.blur();
      if (e.key === 'Tab' && this.suggestions) {
        e.preventDefault();
        this.accept(this.suggestions.words[0]!);
      }
    }, { signal });
  }

  /** Redraw the log and notices if the model changed. */
  draw(model: ChatModel, now: number): void {
    const notices = model.activeNotices(now);
    if (model === this.drawnModel && model.version === this.drawnVersion) return;
    this.drawnModel = model;
    this.drawnVersion = model.version;
    this.els.log.replaceChildren(
      ...model.log.slice(-40).map((entry) => {
        const li = document.createElement('li');
        li.dataset.id = entry.id;
        if (entry.status === 'held') li.classList.add('held');
        const who = document.createElement('b');
        who.textContent = `${entry.name}: `;
        li.append(who, ...renderText(entry));
        if (entry.sentiment) li.append(renderBadge(entry));
        return li;
      }),
    );
    this.els.log.scrollTop = this.els.log.scrollHeight;
    this.els.notices.replaceChildren(
      ...notices.map((n) => {
        const p = document.createElement('p');
        p.className = `notice ${n.kind}`;
        p.textContent = n.text;
        return p;
      }),
    );
  }

  dispose(): void {
    this.listeners.abort();
    this.suggester.cancel();
    this.showSuggestions(undefined);
  }

  private showSuggestions(s: Suggestions | undefined): void {
    this.suggestions = s;
    this.els.suggestions.hidden = !s;
    this.els.suggestions.replaceChildren(
      ...(s?.words ?? []).map((word) => {
        const li = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = word;
        // mousedown, not click: keep the focus in the chat box.
        b.addEventListener('mousedown', (e) => {
          e.preventDefault();
          this.accept(word);
        });
        li.append(b);
        return li;
      }),
    );
  }

  private accept(word: string): void {
    if (!this.suggestions) return;
    const input = this.els.input;
    input.value = fillGap(input.value, this.suggestions.gapIndex, word);
    this.showSuggestions(undefined);
    this.suggester.update(input.value, input.value.length);
  }
}

/** The comment's text, filled words highlighted. */
export function renderText(entry: ChatEntry): Node[] {
  return entry.segments.map((s) => {
    if (!s.filled) return document.createTextNode(s.text);
    const mark = document.createElement('mark');
    mark.className = 'filled';
    mark.title = 'filled in by the language model';
    mark.textContent = s.text;
    return mark;
  });
}

/** Colour and icon for the eye, the words for screen readers. */
export function renderBadge(entry: ChatEntry): HTMLElement {
  const badge = badgeFor(entry.sentiment!);
  const span = document.createElement('span');
  span.className = `badge ${badge.className}`;
  span.dataset.sentiment = entry.sentiment!.label;
  const icon = document.createElement('span');
  icon.setAttribute('aria-hidden', 'true');
  icon.textContent = badge.icon;
  const words = document.createElement('span');
  words.className = 'sr-only';
  words.textContent = badge.label;
  span.append(icon, words);
  span.title = badge.label;
  return span;
}

/** Fill a speech bubble element with an entry (text, badge, held marker). */
export function renderBubble(el: HTMLElement, entry: ChatEntry): void {
  el.dataset.id = entry.id;
  el.classList.toggle('held', entry.status === 'held');
  el.replaceChildren(...renderText(entry));
  if (entry.sentiment) el.append(renderBadge(entry));
}
