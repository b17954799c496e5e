import { api } from './api.js';
import { append, clear, h } from './dom.js';
import { dateTime, t } from './i18n.js';
import { editMemberRights, renderTemplates } from './settings-rights.js';
import { renderChannels, renderQuickReplies } from './settings-channels.js';

// The admin console: members (invite, import with a per-row report, rights, deactivate),
// permission templates with the conflict report, advisories and presets, security settings,
// channels, quick replies. One page each, behind a side menu; a page shows only to those whose
// permissions allow it (the server enforces the same).
export function settingsPages(me) {
  const can = (p) => me.permissions.includes(p);
  return [['members', t('settings.members'), renderMembers, can('manage_members')],
    ['templates', t('settings.templates'), renderTemplates, can('manage_members')],
    ['advisories', t('settings.advisories'), renderAdvisories, can('manage_members')],
    ['security', t('settings.security'), renderSecurity, can('manage_members')],
    ['channels', t('settings.channels'), renderChannels, can('manage_channels')],
    ['quick-replies', t('settings.quickReplies'), renderQuickReplies, can('set_auto_replies')]].filter((p) => p[3]);
}

export function showSettings(container, me, onClose) {
  clear(container);
  const page = h('section', { class: 'settings-page', 'aria-live': 'polite' });
  const pages = settingsPages(me);
  const menu = h('nav', { class: 'settings-menu', 'aria-label': t('nav.settings') },
    pages.map(([id, label, render]) => h('button', { class: 'view', dataset: { page: id }, onclick: () => open(id, render) }, label)),
    h('button', { class: 'link', onclick: onClose }, t('settings.back')));
  container.append(h('div', { class: 'settings' }, menu, page));
  function open(id, render) {
    for (const b of menu.querySelectorAll('[data-page]')) b.setAttribute('aria-pressed', String(b.dataset.page === id));
    clear(page);
    render(page, me).catch((error) => page.append(h('p', { class: 'form-error', role: 'alert' }, error.message)));
  }
  if (pages.length) open(pages[0][0], pages[0][2]);
}

async function renderMembers(page) {
  const [members, invites] = await Promise.all([api('GET', '/api/v1/members'), api('GET', '/api/v1/invites')]);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const roles = ['standard', 'supervisor', 'restricted', 'admin'];
  const email = h('input', { id: 'invite-email', type: 'email', required: true, 'aria-label': t('login.email'), placeholder: t('login.email') });
  const name = h('input', { id: 'invite-name', required: true, 'aria-label': t('settings.name'), placeholder: t('settings.name') });
  const role = h('select', { id: 'invite-role', 'aria-label': t('settings.role') }, roles.map((r) => h('option', { value: r }, t(`role.${r}`))));
  const invite = h('form', { class: 'inline-form' }, name, email, role, h('button', { class: 'primary', type: 'submit' }, t('settings.invite')));
  invite.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const made = await api('POST', '/api/v1/members', { email: email.value, name: name.value, role: role.value });
      clear(result).append(h('p', {}, t('settings.invited', { email: made.invite.email })),
        h('code', { class: 'invite-link' }, location.origin + made.acceptPath));
    } catch (failure) { error.textContent = failure.message; }
  });
  const file = h('input', { id: 'import-file', type: 'file', accept: '.csv,text/csv', 'aria-label': t('settings.importFile') });
  const report = h('div', { class: 'import-report' });
  file.addEventListener('change', async () => {
    const text = await file.files[0].text();
    const response = await fetch('/api/v1/members/import', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'text/csv', 'X-Chorus-CSRF': '1' }, body: text });
    const data = await response.json();
    clear(report);
    if (data.error) { report.append(h('p', { class: 'form-error' }, data.error.message)); return; }
    report.append(h('p', {}, response.ok ? t('settings.importDone', { count: data.created }) : t('settings.importRefused')),
      h('table', {}, h('thead', {}, h('tr', {}, [t('settings.row'), t('login.email'), t('settings.outcome')].map((x) => h('th', {}, x)))),
        h('tbody', {}, data.rows.map((r) => h('tr', { class: r.outcome === 'error' ? 'bad' : '' },
          h('td', {}, String(r.row)), h('td', {}, r.email), h('td', {}, r.outcome === 'error' ? r.message : t(`settings.outcome.${r.outcome}`)))))));
  });
  append(page, [
    h('h2', {}, t('settings.members')),
    h('h3', {}, t('settings.inviteTitle')), invite, error, result,
    h('h3', {}, t('settings.importTitle')), h('p', { class: 'muted' }, t('settings.importHelp')), file, report,
    h('table', { class: 'members' },
      h('thead', {}, h('tr', {}, [t('settings.name'), t('login.email'), t('settings.role'), t('settings.status'), ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, members.items.map((m) => h('tr', {},
        h('td', {}, m.name), h('td', {}, m.email ?? ''), h('td', {}, t(`role.${m.role}`)),
        h('td', {}, m.active ? (m.twoFactorEnabled ? t('settings.active2fa') : t('settings.active')) : t('settings.inactive')),
        h('td', { class: 'row-actions' }, m.active ? h('button', { class: 'link', onclick: () => editMemberRights(m.id, renderAgain) }, t('rights.edit')) : null,
          m.active ? h('button', { onclick: async () => {
          if (!confirm(t('settings.confirmDeactivate', { name: m.name }))) return;
          try { await api('POST', `/api/v1/members/${m.id}/deactivate`); renderAgain(); } catch (failure) { error.textContent = failure.message; }
        } }, t('settings.deactivate')) : null))))),
    invites.items.length ? h('p', { class: 'muted' }, t('settings.pending', { count: invites.items.length })) : null]);
  async function renderAgain() { clear(page); await renderMembers(page); }
}

// The server's English text, unless the catalogue words it (by a stable code) in the member's language.
function translated(key, params, fallback) {
  const text = t(key, params ?? {});
  return text === key ? fallback : text;
}

async function renderAdvisories(page) {
  const data = await api('GET', '/api/v1/team/advisories');
  page.append(h('h2', {}, t('settings.advisories')),
    h('ul', { class: 'advisories' }, data.advisories.map((a) => h('li', { class: a.ok ? 'ok' : 'warn' },
      h('span', { 'aria-hidden': 'true' }, a.ok ? '✓ ' : '⚠ '), translated(`advisory.${a.code}.${a.ok ? 'ok' : 'bad'}`, a.params, a.message)))),
    h('h3', {}, t('settings.presets')),
    h('ul', { class: 'plain' }, data.presets.map((p) => h('li', {}, h('strong', {}, translated(`preset.${p.name}`, {}, p.name)), ' — ',
      translated(`preset.${p.name}.description`, {}, p.description), ' ',
      h('button', { onclick: async () => { await api('POST', `/api/v1/team/presets/${p.name}/apply`); clear(page); await renderAdvisories(page); } },
        data.appliedPreset === p.name ? t('settings.applied') : t('settings.apply'))))));
}

async function renderSecurity(page) {
  const settings = await api('GET', '/api/v1/settings/security');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const fields = [['deviceCap', 'number'], ['deviceIdleDays', 'number'], ['memberLimit', 'number'], ['loginMaxFailures', 'number'],
    ['loginLockoutMinutes', 'number'], ['linkCodeSeconds', 'number'], ['pinRotationDays', 'number'], ['timeZone', 'text']];
  const inputs = new Map();
  const policy = h('select', { id: 'twoFactorPolicy' }, ['optional', 'admins', 'everyone'].map((p) =>
    h('option', { value: p, selected: settings.twoFactorPolicy === p }, t(`settings.policy.${p}`))));
  const form = h('form', { class: 'settings-form' },
    h('div', { class: 'field' }, h('label', { for: 'twoFactorPolicy' }, t('settings.twoFactorPolicy')), policy),
    fields.map(([key, type]) => {
      const input = h('input', { id: key, type, value: String(settings[key]) });
      inputs.set(key, input);
      return h('div', { class: 'field' }, h('label', { for: key }, t(`settings.field.${key}`)), input);
    }),
    error, h('button', { class: 'primary', type: 'submit' }, t('settings.save')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const body = { ...settings, twoFactorPolicy: policy.value };
    for (const [key, type] of fields) body[key] = type === 'number' ? Number(inputs.get(key).value) : inputs.get(key).value;
    try { await api('PUT', '/api/v1/settings/security', body); error.textContent = t('settings.saved'); }
    catch (failure) { error.textContent = failure.code === 'step_up_required' ? t('settings.stepUp') : failure.message; }
  });
  page.append(h('h2', {}, t('settings.security')), form, h('p', { class: 'muted' }, t('settings.updated', { time: dateTime(Date.now()) })));
}
