import { api } from './api.js';
import { clear, h } from './dom.js';
import { dateTime, t } from './i18n.js';

// The member's devices: which are signed in, sign one out or all, and approve a new browser's
// link code.
export async function renderDevices(container, onSignedOutHere) {
  clear(container);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const codeInput = h('input', { id: 'link-code', autocomplete: 'off', placeholder: 'ABCD-EFGH', 'aria-label': t('devices.codeLabel') });
  const approve = h('form', { class: 'inline-form' }, codeInput, h('button', { class: 'primary', type: 'submit' }, t('devices.approve')));
  approve.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try { await api('POST', '/api/v1/device-links/approve', { code: codeInput.value }); codeInput.value = ''; refresh(); }
    catch (failure) { error.textContent = failure.message; }
  });
  const list = h('ul', { class: 'device-list' });
  async function refresh() {
    const data = await api('GET', '/api/v1/devices');
    clear(list).append(...data.items.map((d) => h('li', { class: 'device' },
      h('div', {}, h('strong', {}, `${d.device.deviceClass} · ${d.device.os || ''} ${d.device.osVersion || ''}`.trim()),
        d.current ? h('span', { class: 'label' }, t('devices.thisOne')) : null,
        d.outdatedOS ? h('span', { class: 'label warn' }, t('devices.outdated')) : null),
      h('div', { class: 'muted' }, d.device.browser.slice(0, 80)),
      h('div', { class: 'muted' }, t('devices.lastSeen', { time: dateTime(d.device.lastSeenAt) }), ' · ', d.device.ip),
      d.current ? null : h('button', { onclick: async () => { await api('DELETE', `/api/v1/devices/${d.device.id}`); refresh(); } }, t('devices.signOut')))));
  }
  container.append(
    h('h2', {}, t('devices.title')),
    h('h3', {}, t('devices.linkTitle')), h('p', { class: 'muted' }, t('devices.linkExplain')), approve, error,
    list,
    h('button', { onclick: async () => { await api('POST', '/api/v1/devices/logout-all?keepCurrent=true'); refresh(); } }, t('devices.signOutOthers')),
    h('button', { onclick: async () => { await api('POST', '/api/v1/devices/logout-all'); onSignedOutHere(); } }, t('devices.signOutAll')));
  await refresh();
}
