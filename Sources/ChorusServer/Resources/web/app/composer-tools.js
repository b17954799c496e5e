import { api, upload } from './api.js';
import { clear, h } from './dom.js';
import { t } from './i18n.js';

// What the composer offers besides typing: quick replies after "/", @mentions in notes (at most
// two), a small emoji palette and files (picked or dropped, size checked before uploading).
// `handleKey` runs before the composer's own keys, so Enter picks a suggestion instead of sending.

const EMOJI = ['😀', '😊', '🙂', '😉', '😍', '🙏', '👍', '👌', '👋', '🎉', '❤️', '✅', '❌', '⚠️', '📦', '🚚', '💳', '🧾', '📞', '⏰', '😢', '😅', '🤝', '⭐'];
const MB = 1024 * 1024;
const WORKSPACE_CAP = 16 * MB;

// Meta's per-type limits (reference §5), under the workspace cap; the server checks again.
export function sizeLimit(file) {
  const type = file.type || 'application/octet-stream';
  const limit = type === 'image/webp' ? 0.5 * MB : type.startsWith('image/') ? 5 * MB
    : type.startsWith('video/') || type.startsWith('audio/') ? 16 * MB : 100 * MB;
  return Math.min(limit, WORKSPACE_CAP);
}

export function composerTools({ textarea, mode, members, me, onError, onFileSent, conversationId }) {
  const suggestions = h('ul', { class: 'suggestions', role: 'listbox', hidden: true });
  let items = [], active = 0, quickReplies = null;

  async function loadQuickReplies() {
    if (!quickReplies) quickReplies = (await api('GET', '/api/v1/quick-replies').catch(() => ({ items: [] }))).items;
    return quickReplies;
  }

  function show(list) {
    items = list;
    active = 0;
    clear(suggestions);
    suggestions.hidden = list.length === 0;
    list.forEach((item, index) => {
      suggestions.append(h('li', { role: 'option', id: `suggestion-${index}`, 'aria-selected': String(index === 0),
        onmousedown: (e) => { e.preventDefault(); pick(index); } }, item.label, item.detail ? h('span', { class: 'muted' }, ' ', item.detail) : null));
    });
    textarea.setAttribute('aria-expanded', String(list.length > 0));
  }

  function highlight(index) {
    active = (index + items.length) % items.length;
    suggestions.querySelectorAll('li').forEach((li, i) => li.setAttribute('aria-selected', String(i === active)));
    textarea.setAttribute('aria-activedescendant', `suggestion-${active}`);
  }

  function pick(index) {
    const item = items[index];
    asked += 1;
    if (!item) return;
    item.apply();
    show([]);
    textarea.focus();
  }

  function mentionedIds() {
    return [...members().values()].filter((m) => textarea.value.includes(`@${m.name}`)).map((m) => m.id);
  }

  let asked = 0;
  async function update() {
    const mine = ++asked;
    const before = textarea.value.slice(0, textarea.selectionStart);
    const slash = /^\/(\S*)$/.exec(textarea.value);
    if (mode() === 'reply' && slash) {
      const query = slash[1].toLowerCase();
      const all = await loadQuickReplies();
      if (mine !== asked) return;  // typed on (or sent) while the list was loading: a later call decides
      const matches = all.filter((q) => q.shortcut.toLowerCase().startsWith(query)).slice(0, 8);
      show(matches.length ? matches.map((q) => ({ label: `/${q.shortcut}`, detail: q.body.slice(0, 60),
        apply: () => { textarea.value = q.body; } }))
        : [{ label: t('composer.noQuickReplies', { query: slash[1] }), apply: () => {} }]);
      return;
    }
    const at = /@([^\s@]*)$/.exec(before);
    if (mode() === 'note' && at) {
      if (mentionedIds().length >= 2) { show([]); onError(t('composer.tooManyMentions')); return; }
      const query = at[1].toLowerCase();
      const matches = [...members().values()]
        .filter((m) => m.id !== me.member.id && m.active !== false && m.name.toLowerCase().includes(query)).slice(0, 6);
      show(matches.map((m) => ({ label: `@${m.name}`, detail: m.role ? t(`role.${m.role}`) : '',
        apply: () => {
          const start = before.length - at[0].length;
          textarea.value = `${textarea.value.slice(0, start)}@${m.name} ${textarea.value.slice(textarea.selectionStart)}`;
          textarea.selectionStart = textarea.selectionEnd = start + m.name.length + 2;
        } })));
      return;
    }
    show([]);
  }

  function handleKey(e) {
    if (suggestions.hidden) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') { highlight(active + (e.key === 'ArrowDown' ? 1 : -1)); e.preventDefault(); return true; }
    if (e.key === 'Enter' || e.key === 'Tab') { pick(active); e.preventDefault(); return true; }
    if (e.key === 'Escape') { show([]); e.preventDefault(); return true; }
    return false;
  }

  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.addEventListener('input', update);
  // Leaving the composer closes the list (later, so a click on an item still lands), unless focus came back.
  textarea.addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== textarea) show([]); }, 150));

  // Emoji: a small palette; the picked one goes in at the caret.
  const palette = h('div', { class: 'emoji-palette', role: 'menu', hidden: true },
    EMOJI.map((emoji) => h('button', { type: 'button', role: 'menuitem', onclick: () => insert(emoji) }, emoji)));
  function insert(text) {
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    textarea.value = value.slice(0, start) + text + value.slice(end);
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    palette.hidden = true;
    textarea.focus();
  }
  const emojiButton = h('button', { type: 'button', class: 'icon', title: t('composer.emoji'), 'aria-label': t('composer.emoji'),
    'aria-haspopup': 'menu', onclick: () => { palette.hidden = !palette.hidden; } }, '😊');

  // Files: picked or dropped; too large is refused here, before any upload.
  const picker = h('input', { type: 'file', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' });
  const attachButton = h('button', { type: 'button', class: 'icon', title: t('composer.attach'), 'aria-label': t('composer.attach'),
    onclick: () => picker.click() }, '📎');
  picker.addEventListener('change', () => { if (picker.files[0]) sendFile(picker.files[0]); picker.value = ''; });

  async function sendFile(file) {
    const id = conversationId();
    if (!id) return;
    const limit = sizeLimit(file);
    if (file.size > limit) {
      onError(t('composer.tooLarge', { name: file.name, size: (file.size / MB).toFixed(1), limit: (limit / MB).toFixed(limit < MB ? 1 : 0) }));
      return;
    }
    onError(t('composer.uploading', { name: file.name }));
    try {
      const caption = textarea.value.trim();
      const query = new URLSearchParams({ filename: file.name, clientKey: crypto.randomUUID() });
      if (caption) query.set('caption', caption);
      const message = await upload(`/api/v1/conversations/${id}/messages?${query}`, file);
      if (caption) textarea.value = '';
      onError('');
      onFileSent(message);
    } catch (error) {
      onError(t('composer.failed', { reason: error.message }));
    }
  }

  // After sending, the text is gone: no suggestion list may linger or arrive late.
  function reset() { asked += 1; show([]); }

  return { suggestions, palette, emojiButton, attachButton, picker, handleKey, sendFile, mentionedIds, reset };
}

// Drag and drop of a file anywhere on `area` sends it through `tools.sendFile`.
export function acceptDrops(area, tools, enabled) {
  area.addEventListener('dragover', (e) => {
    if (!enabled() || ![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
    e.preventDefault();
    area.classList.add('dropping');
  });
  area.addEventListener('dragleave', (e) => { if (e.target === area) area.classList.remove('dropping'); });
  area.addEventListener('drop', (e) => {
    area.classList.remove('dropping');
    if (!enabled() || !e.dataTransfer?.files?.length) return;
    e.preventDefault();
    tools.sendFile(e.dataTransfer.files[0]);
  });
}
