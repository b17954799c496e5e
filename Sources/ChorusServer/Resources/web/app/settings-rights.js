import { api } from './api.js';
import { append, clear, h } from './dom.js';
import { dateTime, t } from './i18n.js';

// Admin pages about rights: one member's role, template and overrides (a dialog), the
// permission templates, and the conflict report. The server decides (and asks for the step-up
// PIN where it must); these pages only show and send.

export const PERMISSIONS = ['send_messages', 'view_all_conversations', 'assign_conversations', 'edit_business_profile',
  'delete_chat_history', 'send_broadcasts', 'view_customer_catalog', 'set_auto_replies', 'payment', 'manage_members',
  'export_chat_history', 'manage_labels', 'manage_routing', 'manage_channels'];
const ROLES = ['admin', 'supervisor', 'standard', 'restricted'];

export async function editMemberRights(memberId, onSaved) {
  const [detail, templates] = await Promise.all([api('GET', `/api/v1/members/${memberId}`), api('GET', '/api/v1/permission-templates')]);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const role = h('select', { id: 'rights-role' }, ROLES.map((r) => h('option', { value: r, selected: detail.member.role === r }, t(`role.${r}`))));
  const template = h('select', { id: 'rights-template' }, h('option', { value: '' }, t('rights.noTemplate')),
    templates.items.map((x) => h('option', { value: String(x.id), selected: detail.member.templateId === x.id }, x.name)));
  const overrides = new Map(PERMISSIONS.map((p) => {
    const value = detail.overrides[p];
    const select = h('select', { 'aria-label': t(`perm.${p}`), class: 'compact' },
      [['', 'rights.inherit'], ['true', 'rights.allow'], ['false', 'rights.deny']].map(([v, label]) =>
        h('option', { value: v, selected: String(value ?? '') === v }, t(label))));
    return [p, select];
  }));
  const effective = new Set(detail.permissions);
  const form = h('form', { class: 'settings-form rights' },
    h('label', { class: 'field', for: 'rights-role' }, t('settings.role'), role),
    h('label', { class: 'field', for: 'rights-template' }, t('rights.template'), template),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, t('rights.permission')), h('th', {}, t('rights.override')), h('th', {}, t('rights.now')))),
      h('tbody', {}, PERMISSIONS.map((p) => h('tr', {}, h('td', {}, t(`perm.${p}`)), h('td', {}, overrides.get(p)),
        h('td', { class: effective.has(p) ? 'yes' : 'no' }, effective.has(p) ? '✓' : '—'))))),
    error, h('button', { class: 'primary', type: 'submit' }, t('settings.save')));
  // The member's devices, and signing them all out (a lost phone, someone leaving).
  const devices = h('section', {}, h('h3', {}, t('devices.title')),
    detail.devices.length
      ? h('ul', { class: 'plain' }, detail.devices.map((d) => h('li', {}, [d.device.browser, d.device.os, d.device.osVersion].filter(Boolean).join(' ') || d.device.deviceClass, ' · ', d.device.deviceClass, ' · ',
        t('devices.lastSeen', { time: dateTime(d.device.lastSeenAt) }), d.outdatedOS ? h('span', { class: 'label warn' }, t('devices.outdated')) : null)))
      : h('p', { class: 'muted' }, '—'),
    detail.devices.length ? h('button', { type: 'button', onclick: async () => {
      try { await api('POST', `/api/v1/members/${memberId}/logout-all`); dialog.close(); onSaved(); } catch (failure) { error.textContent = failure.message; }
    } }, t('devices.signOutAll')) : null);
  const dialog = h('dialog', { class: 'panel wide', 'aria-labelledby': 'rights-title' },
    h('button', { class: 'link close', 'aria-label': t('search.close'), onclick: () => dialog.close() }, '✕'),
    h('h2', { id: 'rights-title' }, t('rights.title', { name: detail.member.name })), form, devices);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = {};
    for (const [p, select] of overrides) if (select.value) chosen[p] = select.value === 'true';
    try {
      await api('PATCH', `/api/v1/members/${memberId}`, { role: role.value, templateId: template.value ? Number(template.value) : null, overrides: chosen });
      dialog.close();
      onSaved();
    } catch (failure) { error.textContent = failure.message; }
  });
}

export async function renderTemplates(page) {
  const [templates, report] = await Promise.all([api('GET', '/api/v1/permission-templates'), api('GET', '/api/v1/permission-conflicts')]);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: 'template-name', required: true, placeholder: t('settings.name'), 'aria-label': t('settings.name') });
  const window = h('input', { id: 'template-window', placeholder: '09:00-18:00', 'aria-label': t('rights.sendWindow'), pattern: '\\d{2}:\\d{2}-\\d{2}:\\d{2}' });
  const choices = new Map(PERMISSIONS.map((p) => [p, h('select', { 'aria-label': t(`perm.${p}`), class: 'compact' },
    [['', 'rights.inherit'], ['grant', 'rights.allow'], ['revoke', 'rights.deny']].map(([v, label]) => h('option', { value: v }, t(label))))]));
  const form = h('form', { class: 'settings-form' }, name, h('label', { class: 'field', for: 'template-window' }, t('rights.sendWindow'), window),
    h('details', {}, h('summary', {}, t('rights.adjust')),
      h('table', {}, h('tbody', {}, PERMISSIONS.map((p) => h('tr', {}, h('td', {}, t(`perm.${p}`)), h('td', {}, choices.get(p))))))),
    error, h('button', { class: 'primary', type: 'submit' }, t('rights.create')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const pick = (kind) => [...choices].filter(([, s]) => s.value === kind).map(([p]) => p);
    const body = { name: name.value, grants: pick('grant'), revokes: pick('revoke') };
    if (window.value) body.sendWindow = window.value;
    try { await api('POST', '/api/v1/permission-templates', body); clear(page); await renderTemplates(page); }
    catch (failure) { error.textContent = failure.message; }
  });
  const check = h('button', { onclick: async () => {
    try { await api('POST', '/api/v1/permission-conflicts/check'); clear(page); await renderTemplates(page); }
    catch (failure) { error.textContent = failure.message; }
  } }, t('rights.checkNow'));
  const findings = report.findings ?? [];
  append(page, [
    h('h2', {}, t('settings.templates')),
    h('table', {}, h('thead', {}, h('tr', {}, [t('settings.name'), t('rights.grants'), t('rights.revokes'), t('rights.sendWindow'), t('rights.members'), '']
      .map((x) => h('th', {}, x)))),
    h('tbody', {}, templates.items.map((x) => h('tr', {}, h('td', {}, x.name), h('td', {}, x.grants.map((p) => t(`perm.${p}`)).join(', ') || '—'),
      h('td', {}, x.revokes.map((p) => t(`perm.${p}`)).join(', ') || '—'), h('td', {}, x.sendWindow ?? '—'), h('td', {}, String(x.memberCount)),
      h('td', {}, x.memberCount === 0 ? h('button', { class: 'link', onclick: async () => {
        try { await api('DELETE', `/api/v1/permission-templates/${x.id}`); clear(page); await renderTemplates(page); }
        catch (failure) { error.textContent = failure.message; }
      } }, t('rights.delete')) : null))))),
    h('h3', {}, t('rights.newTemplate')), form,
    h('h2', {}, t('rights.conflicts')),
    h('p', { class: 'muted' }, report.checkedAt ? t('rights.checkedAt', { time: dateTime(report.checkedAt) }) : t('rights.neverChecked'), ' ', check),
    findings.length
      ? h('ul', { class: 'advisories' }, findings.map((f) => h('li', { class: f.severity === 'error' ? 'bad' : 'warn' },
        h('span', { 'aria-hidden': 'true' }, f.severity === 'error' ? '⛔ ' : '⚠ '), finding(f))))
      : h('p', {}, t('rights.noConflicts'))]);
}

// A finding in the member's language: its kind picks the sentence, its params fill it
// (permission names translated one by one); the server's English when no sentence fits.
function finding(f) {
  if (!f.params) return f.message;
  const params = { ...f.params };
  if (params.permissions) params.permissions = params.permissions.split(', ').map((p) => t(`perm.${p}`)).join(', ');
  if (params.role) params.role = t(`role.${params.role}`);
  const key = `conflict.${f.kind}${f.kind === 'override_contradicts_template' ? (params.granted === 'true' ? '.granted' : '.removed') : ''}`;
  const text = t(key, params);
  return text === key ? f.message : text;
}
