import { api } from './api.js';
import { append, clear, h } from './dom.js';
import { dateTime, t } from './i18n.js';

// Admin pages about the WhatsApp side: the numbers with their webhook health and business
// profile, the message templates synced from Meta, and the team's quick replies.

export async function renderChannels(page) {
  const [channels, diagnostics, templates] = await Promise.all([api('GET', '/api/v1/channels'),
    api('GET', '/api/v1/diagnostics/webhooks').catch(() => null), api('GET', '/api/v1/templates').catch(() => ({ items: [] }))]);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const health = diagnostics?.health ?? {};
  const rejected = Object.entries(diagnostics?.rejectedSinceStart ?? {}).filter(([, n]) => n > 0);
  const unhandled = Object.entries(health.unhandledByKind ?? {});
  append(page, [
    h('h2', {}, t('settings.channels')),
    channels.items.map((c) => h('section', { class: 'card' },
      h('h3', {}, c.name || c.displayNumber, ' ', h('span', { class: 'muted' }, c.displayNumber)),
      h('p', { class: 'muted' }, t('channels.ids', { phone: c.phoneNumberId, waba: c.wabaId, rate: c.messagesPerSecond })),
      h('button', { onclick: () => editProfile(c, error) }, t('channels.editProfile')))),
    h('h3', {}, t('channels.webhooks')),
    h('ul', { class: 'plain' },
      h('li', {}, health.lastInboundMessageAt ? t('channels.lastInbound', { time: dateTime(health.lastInboundMessageAt) }) : t('channels.noInbound')),
      h('li', {}, rejected.length ? t('channels.rejected', { list: rejected.map(([k, n]) => `${k} ${n}`).join(', ') }) : t('channels.noneRejected')),
      h('li', {}, unhandled.length ? t('channels.unhandled', { list: unhandled.map(([k, n]) => `${k} ${n}`).join(', ') }) : t('channels.noneUnhandled'))),
    h('h3', {}, t('channels.templates')),
    h('p', {}, h('button', { onclick: async () => {
      try { await api('POST', '/api/v1/templates/sync'); clear(page); await renderChannels(page); } catch (failure) { error.textContent = failure.message; }
    } }, t('channels.sync'))),
    error,
    h('table', {}, h('thead', {}, h('tr', {}, [t('settings.name'), t('nav.language'), t('channels.category'), t('settings.status')].map((x) => h('th', {}, x)))),
      h('tbody', {}, templates.items.map((x) => h('tr', {}, h('td', {}, x.name), h('td', {}, x.language), h('td', {}, x.category), h('td', {}, x.status)))))]);
}

async function editProfile(channel, error) {
  let profile;
  try { profile = await api('GET', `/api/v1/channels/${channel.id}/profile`); } catch (failure) { error.textContent = failure.message; return; }
  const fields = ['about', 'description', 'address', 'email', 'vertical'];
  const inputs = new Map(fields.map((f) => [f, h(f === 'description' ? 'textarea' : 'input', { id: `profile-${f}`, value: profile[f] ?? '' })]));
  for (const f of fields) if (f === 'description') inputs.get(f).value = profile[f] ?? '';
  const websites = h('input', { id: 'profile-websites', value: (profile.websites ?? []).join(' ') });
  const problem = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'settings-form' },
    fields.map((f) => h('label', { class: 'field', for: `profile-${f}` }, t(`profile.${f}`), inputs.get(f))),
    h('label', { class: 'field', for: 'profile-websites' }, t('profile.websites'), websites), problem,
    h('button', { class: 'primary', type: 'submit' }, t('settings.save')));
  const dialog = h('dialog', { class: 'panel', 'aria-labelledby': 'profile-title' },
    h('button', { class: 'link close', 'aria-label': t('search.close'), onclick: () => dialog.close() }, '✕'),
    h('h2', { id: 'profile-title' }, t('channels.editProfile')), form);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(fields.map((f) => [f, inputs.get(f).value]));
    body.websites = websites.value.split(/\s+/).filter(Boolean);
    try { await api('PUT', `/api/v1/channels/${channel.id}/profile`, body); dialog.close(); }
    catch (failure) { problem.textContent = failure.message; }
  });
}

export async function renderQuickReplies(page) {
  const replies = await api('GET', '/api/v1/quick-replies');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const shortcut = h('input', { id: 'quick-shortcut', required: true, placeholder: 'shipping', 'aria-label': t('quick.shortcut') });
  const body = h('textarea', { id: 'quick-body', required: true, rows: '3', 'aria-label': t('quick.body') });
  const form = h('form', { class: 'settings-form' },
    h('label', { class: 'field', for: 'quick-shortcut' }, t('quick.shortcut'), shortcut),
    h('label', { class: 'field', for: 'quick-body' }, t('quick.body'), body), error,
    h('button', { class: 'primary', type: 'submit' }, t('quick.add')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try { await api('POST', '/api/v1/quick-replies', { shortcut: shortcut.value.replace(/^\//, ''), body: body.value }); clear(page); await renderQuickReplies(page); }
    catch (failure) { error.textContent = failure.message; }
  });
  append(page, [
    h('h2', {}, t('settings.quickReplies')), h('p', { class: 'muted' }, t('quick.explain')),
    h('table', {}, h('tbody', {}, replies.items.map((q) => h('tr', {}, h('td', {}, h('kbd', {}, `/${q.shortcut}`)), h('td', { class: 'pre' }, q.body),
      h('td', {}, h('button', { class: 'link', onclick: async () => {
        try { await api('DELETE', `/api/v1/quick-replies/${q.id}`); clear(page); await renderQuickReplies(page); }
        catch (failure) { error.textContent = failure.message; }
      } }, t('rights.delete'))))))),
    h('h3', {}, t('quick.new')), form]);
}
