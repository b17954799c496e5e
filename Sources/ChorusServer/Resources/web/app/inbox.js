import { api } from './api.js';
import { clear, h } from './dom.js';
import { dateTime, day, duration, money, t, time } from './i18n.js';
import { languagePicker } from './login.js';
import { EventSocket } from './socket.js';
import { renderDay, renderMessage, renderNote } from './thread.js';
import { renderDevices } from './devices.js';
import { settingsPages, showSettings } from './settings.js';
import { acceptDrops, composerTools } from './composer-tools.js';
import { conversationActions } from './conversation-actions.js';
import { openTemplateDialog } from './templates.js';
import { openSearch } from './search.js';
import { openHelp } from './help.js';
import { notificationsButton, notify } from './notify.js';

// The agents' screen: views and the conversation list, the open thread with its composer, and
// the customer panel. Live through the event socket.
export function showInbox(me, restart) {
  const state = {
    me, view: 'all', conversations: [], selected: null, messages: [], notes: [], members: new Map(),
    presence: new Map(), counts: {}, changedSince: null, mode: 'reply', labels: [],
    olderCursor: null, loadingOlder: false, teams: [], filters: { label: '', team: '', status: '', sort: 'activity' },
  };
  const memberName = (id) => state.members.get(id)?.name ?? `#${id}`;
  const root = clear(document.getElementById('root'));

  // --- layout
  const viewButtons = ['mine', 'unassigned', 'all', 'mentions'].map((view) => {
    const count = h('span', { class: 'count', 'aria-label': '' });
    const button = h('button', { class: 'view', 'aria-pressed': String(view === state.view), onclick: () => selectView(view) },
      h('span', {}, t(`views.${view}`)), count);
    button.dataset.view = view;
    return { view, button, count };
  });
  const list = h('ul', { class: 'conversation-list', role: 'listbox', 'aria-label': t('views.title') });
  // Narrowing the view: by label, team, status; sorted by activity or by who waits longest.
  const filter = (name, label, options) => h('select', { class: 'compact', 'aria-label': label, dataset: { filter: name },
    onchange: (e) => { state.filters[name] = e.target.value; loadList(); } }, options);
  const filters = h('div', { class: 'filters' });
  function renderFilters() {
    clear(filters).append(...[
      state.labels.length ? filter('label', t('filters.label'), [h('option', { value: '' }, t('filters.anyLabel')),
        state.labels.map((l) => h('option', { value: String(l.id), selected: state.filters.label === String(l.id) }, l.name))]) : null,
      state.teams.length ? filter('team', t('filters.team'), [h('option', { value: '' }, t('filters.anyTeam')),
        state.teams.map((x) => h('option', { value: String(x.id), selected: state.filters.team === String(x.id) }, x.name))]) : null,
      filter('status', t('thread.status'), [h('option', { value: '' }, t('filters.anyStatus')),
        ['open', 'pending', 'snoozed', 'resolved'].map((v) => h('option', { value: v, selected: state.filters.status === v }, t(`status.${v}`)))]),
      filter('sort', t('filters.sort'), ['activity', 'waiting'].map((v) => h('option', { value: v, selected: state.filters.sort === v }, t(`filters.sort.${v}`))))]
      .filter(Boolean));
  }
  const listState = h('p', { class: 'empty' }, t('list.loading'));
  const threadHeader = h('header', { class: 'thread-header' });
  const presenceLine = h('div', { class: 'presence', 'aria-live': 'polite' });
  const changedBanner = h('div', { class: 'changed', role: 'alert', hidden: true });
  const messagesPane = h('div', { class: 'messages', role: 'log', 'aria-live': 'polite', tabindex: '0', hidden: true });
  const typingLine = h('div', { class: 'typing', 'aria-live': 'polite' });
  const textarea = h('textarea', { id: 'composer', rows: '3', 'aria-label': t('composer.reply'), placeholder: t('composer.placeholder') });
  const sendButton = h('button', { class: 'primary', type: 'submit' }, t('composer.send'));
  const replyTab = h('button', { type: 'button', class: 'tab', 'aria-pressed': 'true', onclick: () => setMode('reply') }, t('composer.reply'));
  const noteTab = h('button', { type: 'button', class: 'tab', 'aria-pressed': 'false', onclick: () => setMode('note') }, t('composer.noteTab'));
  const composerError = h('p', { class: 'form-error', role: 'alert' });
  const tools = composerTools({
    textarea, mode: () => state.mode, members: () => state.members, me,
    onError: (text) => { composerError.textContent = text; }, onFileSent: addMessage, conversationId: () => state.selected?.id,
  });
  const templateButton = h('button', { type: 'button', onclick: () => chooseTemplate() }, t('template.open'));
  const windowNotice = h('p', { class: 'window-notice', hidden: true }, t('template.windowClosed'), ' ',
    h('button', { type: 'button', class: 'primary', onclick: () => chooseTemplate() }, t('template.title')));
  const composer = h('form', { class: 'composer', hidden: true }, windowNotice,
    h('div', { class: 'tabs' }, replyTab, noteTab, h('span', { class: 'spacer' }), tools.attachButton, tools.emojiButton, templateButton, tools.picker),
    tools.palette, tools.suggestions, textarea,
    h('div', { class: 'composer-actions' }, composerError, sendButton));
  const thread = h('section', { class: 'thread', 'aria-label': 'Thread' }, threadHeader, presenceLine, changedBanner, messagesPane, typingLine, composer,
    h('p', { class: 'empty thread-empty' }, t('thread.none')));
  const customer = h('aside', { class: 'customer', 'aria-label': t('customer.title') });
  const panes = h('div', { class: 'panes' },
    h('nav', { class: 'sidebar', 'aria-label': t('views.title') }, h('div', { class: 'views' }, viewButtons.map((v) => v.button)), filters, listState, list),
    h('main', { class: 'main' }, thread), customer);
  const settingsArea = h('main', { class: 'settings-area', hidden: true });
  const signOut = h('button', { class: 'link', onclick: async () => { socket.stop(); await api('DELETE', '/api/v1/sessions/current').catch(() => {}); restart(); } }, t('nav.signOut'));
  root.append(
    h('header', { class: 'topbar' }, h('strong', { class: 'brand' }, t('app.name')),
      h('button', { class: 'link', onclick: () => openSearch((conversationId, messageId) => open(conversationId, messageId)), title: t('search.open'), 'aria-label': t('search.open') },
        '🔍', h('span', { class: 'label-text' }, ' ', t('search.title'))),
      notificationsButton(h),
      h('span', { class: 'who' }, me.member.name),
      h('button', { class: 'link', 'aria-label': t('help.open'), title: t('help.open'), onclick: openHelp }, '?'),
      h('button', { class: 'link', onclick: () => openDevices() }, t('nav.devices')),
      settingsPages(me).length
        ? h('button', { class: 'link', onclick: () => { panes.hidden = true; settingsArea.hidden = false; showSettings(settingsArea, me, () => { settingsArea.hidden = true; panes.hidden = false; }); } }, t('nav.settings'))
        : null,
      languagePicker(() => { socket.stop(); showInbox(me, restart); }), signOut),
    panes, settingsArea);

  // --- data
  async function loadMembers() {
    const [data, labels, teams] = await Promise.all([api('GET', '/api/v1/members'), api('GET', '/api/v1/labels').catch(() => ({ items: [] })),
      api('GET', '/api/v1/teams').catch(() => ({ items: [] }))]);
    for (const m of data.items) state.members.set(m.id, m);
    state.labels = labels.items;
    state.teams = teams.items;
    renderFilters();
  }

  async function loadCounts() {
    state.counts = await api('GET', '/api/v1/inbox/counts').catch(() => ({}));
    for (const { view, count } of viewButtons) {
      const n = state.counts[view] ?? 0;
      count.textContent = n > 0 ? String(n) : '';
    }
  }

  async function loadList() {
    try {
      const query = new URLSearchParams({ view: state.view, limit: '100' });
      for (const [name, value] of Object.entries(state.filters)) if (value) query.set(name, value);
      const page = await api('GET', `/api/v1/conversations?${query}`);
      state.conversations = page.items;
      listState.hidden = page.items.length > 0;
      listState.textContent = t('list.empty');
      renderList();
    } catch (error) {
      listState.hidden = false;
      clear(listState).append(t('list.error'), ' ', h('button', { class: 'link', onclick: loadList }, t('list.retry')));
    }
    loadCounts();
  }

  function renderList() {
    clear(list);
    const now = Date.now();
    for (const c of state.conversations) {
      const waitingMs = c.lastInboundAt && c.lastInboundAt >= c.lastMessageAt && c.status !== 'resolved' ? now - c.lastInboundAt : 0;
      const item = h('li', { role: 'option', tabindex: '0', 'aria-selected': String(c.id === state.selected?.id),
        class: `conversation ${c.unread ? 'unread' : ''}`, dataset: { id: c.id }, onclick: () => open(c.id),
        onkeydown: (e) => { if (e.key === 'Enter') open(c.id); } },
      h('div', { class: 'line' }, h('span', { class: 'name' }, c.contact.name ?? c.contact.waId ?? '—'),
        h('time', {}, time(c.lastMessageAt))),
      h('div', { class: 'line' }, h('span', { class: 'preview' }, c.lastMessagePreview),
        waitingMs > 0 ? h('span', { class: `waiting ${waitingMs > 90_000 ? 'late' : ''}` }, t('list.waiting', { time: duration(waitingMs) })) : null,
        c.assigneeId ? h('span', { class: 'avatar', title: memberName(c.assigneeId) }, initials(memberName(c.assigneeId))) : null));
      list.append(item);
    }
  }

  // `focus`: a message to bring into view (from search); older pages are loaded until it is in
  // the thread, at most 20 pages back.
  async function open(id, focus = null) {
    state.selected = await api('GET', `/api/v1/conversations/${id}`);
    const [page, notes] = await Promise.all([
      api('GET', `/api/v1/conversations/${id}/messages?limit=100`),
      api('GET', `/api/v1/conversations/${id}/notes`)]);
    state.messages = page.items.reverse();
    state.olderCursor = page.nextCursor ?? null;
    state.notes = notes.items;
    state.changedSince = null;
    changedBanner.hidden = true;
    renderThread();
    renderList();
    socket.send({ type: 'viewing', conversationId: id });
    api('POST', `/api/v1/conversations/${id}/read`).then(loadCounts).catch(() => {});
    loadCustomer(state.selected.contact.id);
    if (focus) await bringIntoView(id, focus);
  }

  async function bringIntoView(id, messageId) {
    for (let pages = 0; pages < 20 && !state.messages.some((m) => m.id === messageId) && state.olderCursor; pages += 1) {
      await loadOlder();
      if (state.selected?.id !== id) return;
    }
    const bubble = messagesPane.querySelector(`.bubble[data-id="${Number(messageId)}"]`);
    if (!bubble) return;
    bubble.scrollIntoView({ block: 'center' });
    bubble.classList.add('found');
    setTimeout(() => bubble.classList.remove('found'), 2500);
  }

  function openDevices() {
    const body = h('div', {});
    const dialog = h('dialog', { class: 'panel', 'aria-label': t('nav.devices') },
      h('button', { class: 'link close', onclick: () => dialog.close() }, '✕'), body);
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    renderDevices(body, () => { socket.stop(); restart(); });
  }

  function renderThread({ keepScroll = false } = {}) {
    const c = state.selected;
    thread.querySelector('.thread-empty').hidden = !!c;
    composer.hidden = !c;
    messagesPane.hidden = !c;
    if (!c) { clear(messagesPane); clear(presenceLine); clear(typingLine); return; }
    clear(threadHeader).append(
      h('button', { class: 'back', onclick: () => { state.selected = null; clear(threadHeader); renderThread(); } }, '← ', t('thread.back')),
      h('div', {}, h('h2', {}, c.contact.name ?? c.contact.waId), h('span', { class: 'muted' }, c.contact.waId ? `+${c.contact.waId}` : '')),
      h('div', { class: c.windowOpenUntil ? 'window open' : 'window closed' },
        c.windowOpenUntil ? t('thread.windowOpen', { time: dateTime(c.windowOpenUntil) }) : t('thread.windowClosed')),
      h('span', { class: 'muted assignee' }, c.assigneeId ? t('thread.assignedTo', { name: memberName(c.assigneeId) }) : t('thread.unassigned')),
      conversationActions({ conversation: c, me: state.me, members: state.members, labels: state.labels,
        onUpdated: (updated) => { if (updated) { state.selected = updated; renderThread({ keepScroll: true }); } loadList(); },
        onError: (text) => { composerError.textContent = text; } }));
    windowNotice.hidden = !!c.windowOpenUntil || state.mode === 'note';
    renderTimeline(keepScroll);
    renderPresence();
  }

  // Messages and notes in time order, with a separator where the day changes. Keeps the reader's
  // place when older messages are added above or the thread updates while they read back.
  function renderTimeline(keepScroll) {
    const fromBottom = messagesPane.scrollHeight - messagesPane.scrollTop;
    const atBottom = fromBottom - messagesPane.clientHeight < 40;
    const actions = { retry: retryMessage, template: () => chooseTemplate(), quoted: (wamid) => state.messages.find((m) => m.wamid === wamid) };
    // Meta's timestamps have whole seconds: within one second, the order of arrival (the id) decides.
    const changes = foldChanges(state.messages);
    const items = [...state.messages.filter((m) => !changes.folded.has(m.id))
      .map((m) => ({ at: m.timestamp, order: m.id, node: renderMessage(m, memberName, actions, changes.of(m)) })),
      ...state.notes.map((n) => ({ at: n.createdAt, order: 0, node: renderNote(n, memberName) }))]
      .sort((a, b) => a.at - b.at || a.order - b.order);
    const nodes = [h('p', { class: 'older muted' }, state.olderCursor ? (state.loadingOlder ? t('thread.loadingOlder') : '') : t('thread.beginning'))];
    let lastDay = '';
    for (const item of items) {
      const label = day(item.at);
      if (label !== lastDay) { nodes.push(renderDay(label)); lastDay = label; }
      nodes.push(item.node);
    }
    clear(messagesPane).append(...nodes);
    messagesPane.scrollTop = keepScroll && !atBottom ? messagesPane.scrollHeight - fromBottom : messagesPane.scrollHeight;
  }

  // Infinite scroll upwards: the next page of older messages when the reader nears the top.
  async function loadOlder() {
    const c = state.selected;
    if (!c || !state.olderCursor || state.loadingOlder) return;
    state.loadingOlder = true;
    try {
      const page = await api('GET', `/api/v1/conversations/${c.id}/messages?limit=50&cursor=${encodeURIComponent(state.olderCursor)}`);
      if (state.selected?.id !== c.id) return;
      const known = new Set(state.messages.map((m) => m.id));
      state.messages = [...page.items.reverse().filter((m) => !known.has(m.id)), ...state.messages];
      state.olderCursor = page.nextCursor ?? null;
    } catch { /* try again on the next scroll */ } finally {
      state.loadingOlder = false;
    }
    renderTimeline(true);
  }
  messagesPane.addEventListener('scroll', () => { if (messagesPane.scrollTop < 120) loadOlder(); });

  // After a reconnect, the newest page of the open thread, merged: nothing missed while away.
  async function catchUp() {
    const c = state.selected;
    if (!c) return;
    const page = await api('GET', `/api/v1/conversations/${c.id}/messages?limit=50`).catch(() => null);
    if (!page || state.selected?.id !== c.id) return;
    for (const m of page.items) {
      const index = state.messages.findIndex((x) => x.id === m.id);
      if (index >= 0) state.messages[index] = m; else state.messages.push(m);
    }
    state.messages.sort((a, b) => a.timestamp - b.timestamp || a.id - b.id);
    renderTimeline(true);
  }

  function chooseTemplate() {
    if (state.selected) openTemplateDialog(state.selected.id, !!state.selected.windowOpenUntil, addMessage);
  }

  async function retryMessage(message) {
    try {
      addMessage(await api('POST', `/api/v1/conversations/${message.conversationId}/messages`,
        { text: message.text ?? message.content?.body ?? '', clientKey: crypto.randomUUID() }));
    } catch (error) { composerError.textContent = t('composer.failed', { reason: error.message }); }
  }

  function renderPresence() {
    const p = state.selected ? state.presence.get(state.selected.id) : null;
    const others = (ids) => (ids ?? []).filter((id) => id !== state.me.member.id).map(memberName);
    const viewing = others(p?.viewing), typing = others(p?.typing);
    // Small avatars of who else has the thread open, with their names for screen readers and hover.
    clear(presenceLine).append(...(viewing.length
      ? [...viewing.map((name) => h('span', { class: 'avatar', title: name, 'aria-hidden': 'true' }, initials(name))),
        h('span', {}, t('thread.viewing', { names: viewing.join(', ') }))]
      : []));
    typingLine.textContent = typing.length ? t('thread.typing', { names: typing.join(', ') }) : '';
  }

  async function loadCustomer(contactId) {
    clear(customer);
    try {
      const p = await api('GET', `/api/v1/contacts/${contactId}`);
      const spend = Object.entries(p.monthlySpend ?? {});
      customer.append(
        h('h2', {}, t('customer.title')),
        h('p', { class: 'customer-name' }, p.contact.name ?? ''), h('p', { class: 'muted' }, p.contact.waId ? `+${p.contact.waId}` : p.contact.userId ?? ''),
        h('h3', {}, t('customer.labels')), h('p', {}, p.labels.map((l) => h('span', { class: 'label' }, l.name))),
        h('h3', {}, t('customer.spend')), h('p', {}, spend.length ? spend.map(([cur, amount]) => money(amount, cur)).join(' · ') : '—'),
        h('h3', {}, t('customer.notes')), h('ul', { class: 'plain' }, p.notes.slice(0, 5).map((n) => h('li', {}, n.body))),
        h('h3', {}, t('customer.history')), h('ul', { class: 'plain' }, p.conversations.map((c) => h('li', {}, dateTime(c.lastMessageAt), ' — ', c.lastMessagePreview))));
    } catch { /* the panel stays empty when the profile is not visible */ }
  }

  // --- actions
  function selectView(view) {
    state.view = view;
    for (const v of viewButtons) v.button.setAttribute('aria-pressed', String(v.view === view));
    loadList();
  }

  async function assign(memberId) {
    const updated = await api('POST', `/api/v1/conversations/${state.selected.id}/assignment`, { memberId });
    if (updated) { state.selected = updated; renderThread({ keepScroll: true }); }
    loadList();
  }

  async function setStatus(status) {
    const updated = await api('POST', `/api/v1/conversations/${state.selected.id}/status`, { status });
    if (updated) { state.selected = updated; renderThread(); }
    loadList();
  }

  function setMode(mode) {
    state.mode = mode;
    replyTab.setAttribute('aria-pressed', String(mode === 'reply'));
    noteTab.setAttribute('aria-pressed', String(mode === 'note'));
    textarea.placeholder = t(mode === 'note' ? 'composer.notePlaceholder' : 'composer.placeholder');
    windowNotice.hidden = !state.selected || !!state.selected.windowOpenUntil || mode === 'note';
    composer.classList.toggle('note-mode', mode === 'note');
    textarea.focus();
  }

  async function send(confirm = false) {
    const text = textarea.value.trim();
    if (!text || !state.selected) return;
    composerError.textContent = '';
    const id = state.selected.id;
    try {
      if (state.mode === 'note') {
        await api('POST', `/api/v1/conversations/${id}/notes`, { body: text, mentions: tools.mentionedIds() });
      } else {
        const lastSeen = state.messages.at(-1)?.id;
        await api('POST', `/api/v1/conversations/${id}/messages`, { text, lastSeenMessageId: lastSeen, confirm });
      }
      textarea.value = '';
      tools.reset();
      changedBanner.hidden = true;
    } catch (error) {
      if (error.code === 'conversation_changed') {
        for (const m of error.body.messages ?? []) addMessage(m);
        clear(changedBanner).append(t('thread.changed'), ' ', h('button', { type: 'button', onclick: () => send(true) }, t('thread.sendAnyway')));
        changedBanner.hidden = false;
      } else {
        composerError.textContent = t('composer.failed', { reason: error.message });
      }
    }
  }

  function addMessage(message) {
    const index = state.messages.findIndex((m) => m.id === message.id);
    if (index >= 0) state.messages[index] = message; else state.messages.push(message);
    if (state.selected?.id === message.conversationId) renderTimeline(true);
  }

  composer.addEventListener('submit', (e) => { e.preventDefault(); send(); });
  let lastTyping = 0;
  acceptDrops(thread, tools, () => !!state.selected && state.mode === 'reply');
  textarea.addEventListener('keydown', (e) => {
    if (tools.handleKey(e)) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); return; }
    if (state.selected && state.mode === 'reply' && Date.now() - lastTyping > 3000) {
      lastTyping = Date.now();
      socket.send({ type: 'typing', conversationId: state.selected.id });
    }
  });

  // --- live
  let refresh = null;
  const refreshSoon = () => { clearTimeout(refresh); refresh = setTimeout(loadList, 150); };
  const banner = document.getElementById('banner');
  const socket = new EventSocket({
    onState: (up) => { banner.hidden = up; banner.textContent = up ? '' : t('banner.reconnecting'); if (up) { refreshSoon(); catchUp(); } },
    onClosedForGood: () => restart(),
    onPresence: (frame) => { state.presence.set(frame.conversationId, frame); renderPresence(); },
    onEvent: (event) => {
      const id = event.conversationId;
      notify(event, state.me, (e) => (e.type === 'mention' ? memberName(e.data?.authorId)
        : state.conversations.find((c) => c.id === e.conversationId)?.contact.name ?? ''));
      if (event.type === 'message.created' && event.message) {
        if (state.selected?.id === id) {
          addMessage(event.message);
          if (event.message.direction === 'inbound') {
            document.getElementById('announcer').textContent = t('a11y.newMessage', { name: state.selected.contact.name ?? '' });
          }
        }
        refreshSoon();
      } else if (event.type === 'message.status' && state.selected?.id === id) {
        const m = state.messages.find((x) => x.id === event.data.messageId);
        if (m) { m.status = event.data.status; if (event.data.error) m.error = event.data.error; renderTimeline(true); }
      } else if (event.type === 'note.created' && state.selected?.id === id) {
        if (!state.notes.some((n) => n.id === event.data.noteId)) {
          state.notes.push({ id: event.data.noteId, conversationId: id, authorId: event.data.authorId, body: event.data.body,
            mentions: event.data.mentions, createdAt: event.at });
          renderTimeline(true);
        }
      } else if (event.type.startsWith('conversation.')) {
        if (state.selected?.id === id) api('GET', `/api/v1/conversations/${id}`).then((c) => { state.selected = c; renderThread({ keepScroll: true }); }).catch(() => {});
        refreshSoon();
      } else if (event.type === 'permissions.changed') {
        refreshSoon();
      }
    },
  });

  // Keyboard: j/k move through the list, Enter opens, r reply, n note, a assign to me, e resolve,
  // Ctrl+K (or Cmd+K) search, ? the list of shortcuts.
  document.onkeydown = (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') { e.preventDefault(); if (!document.querySelector('dialog[open]')) openSearch((conversationId, messageId) => open(conversationId, messageId)); return; }
    if (document.querySelector('dialog[open]')) return;
    if (e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    const index = state.conversations.findIndex((c) => c.id === state.selected?.id);
    if (e.key === 'j' || e.key === 'k') {
      const next = state.conversations[Math.max(0, Math.min(state.conversations.length - 1, index + (e.key === 'j' ? 1 : -1)))];
      if (next) open(next.id);
    } else if (e.key === 'r' && state.selected) { setMode('reply'); e.preventDefault(); }
    else if (e.key === 'n' && state.selected) { setMode('note'); e.preventDefault(); }
    else if (e.key === 'a' && state.selected) assign(state.me.member.id);
    else if (e.key === 'e' && state.selected) setStatus('resolved');
    else if (e.key === '?') openHelp();
  };

  loadMembers().finally(loadList);
  socket.start();
}

// Edits, deletions and reactions refer to an earlier message by its wamid: when that message is
// in the thread, they are shown on it (as WhatsApp does) instead of as messages of their own.
function foldChanges(messages) {
  const byWamid = new Map(messages.filter((m) => m.wamid).map((m) => [m.wamid, m]));
  const edits = new Map(), deleted = new Set(), reactions = new Map(), folded = new Set();
  for (const m of messages) {
    const c = m.content ?? {};
    const target = m.type === 'edit' ? c.edit?.original_message_id : m.type === 'revoke' ? c.revoke?.original_message_id
      : m.type === 'reaction' ? c.reaction?.message_id : null;
    if (!target || !byWamid.has(target)) continue;
    folded.add(m.id);
    if (m.type === 'edit') edits.set(target, m);
    else if (m.type === 'revoke') deleted.add(target);
    else reactions.set(target, c.reaction?.emoji || null);  // an empty emoji takes the reaction back
  }
  return { folded, of: (m) => ({ edit: edits.get(m.wamid), deleted: deleted.has(m.wamid), reaction: reactions.get(m.wamid) }) };
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part[0].toUpperCase()).join('');
}
