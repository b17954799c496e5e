import { api } from './api.js';
import { append, clear, h } from './dom.js';
import { dateTime, t } from './i18n.js';

// Ctrl+K: search across everything the member may see (the server applies the permission
// decision); picking a result opens its conversation.
export function openSearch(onOpen) {
  const input = h('input', { type: 'search', id: 'search-input', placeholder: t('search.placeholder'), 'aria-label': t('search.title'), autocomplete: 'off' });
  const results = h('div', { class: 'search-results', 'aria-live': 'polite' });
  const dialog = h('dialog', { class: 'panel search', 'aria-label': t('search.title') },
    h('button', { class: 'link close', 'aria-label': t('search.close'), onclick: () => dialog.close() }, '✕'),
    h('h2', {}, t('search.title')), input, results);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  input.focus();

  let timer = null, asked = 0;
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 200); });
  async function run() {
    const q = input.value.trim();
    const mine = ++asked;
    if (!q) { clear(results); return; }
    try {
      const found = await api('GET', `/api/v1/search?limit=20&q=${encodeURIComponent(q)}`);
      if (mine !== asked) return;  // a later query already answered
      const pick = (id, messageId) => () => { dialog.close(); onOpen(id, messageId); };
      const item = (id, title, detail, messageId) => h('li', {}, h('button', { type: 'button', class: 'result', onclick: pick(id, messageId) },
        h('strong', {}, title), h('span', { class: 'muted' }, detail)));
      append(clear(results), [
        found.conversations.length ? h('h3', {}, t('search.conversations')) : null,
        h('ul', { class: 'plain' }, found.conversations.map((c) =>
          item(c.id, c.contact.name ?? c.contact.waId ?? '—', c.lastMessagePreview ?? ''))),
        found.messages.length ? h('h3', {}, t('search.messages')) : null,
        h('ul', { class: 'plain' }, found.messages.map((m) =>
          item(m.conversationId, m.text ?? m.type, dateTime(m.timestamp), m.id))),
        !found.conversations.length && !found.messages.length ? h('p', { class: 'muted' }, t('search.none')) : null]);
    } catch (error) {
      clear(results).append(h('p', { class: 'form-error' }, error.message));
    }
  }
}
