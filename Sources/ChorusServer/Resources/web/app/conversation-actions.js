import { api } from './api.js';
import { h } from './dom.js';
import { dateTime, t } from './i18n.js';

// The controls of an open conversation: take or give it back, transfer to a teammate, labels,
// status (open, pending, resolved, snooze). Each calls the API and hands back the updated
// conversation; the server decides who may do what and says so in the error.
export function conversationActions({ conversation, me, members, labels, onUpdated, onError }) {
  const id = conversation.id;
  const call = (path, body) => api('POST', `/api/v1/conversations/${id}/${path}`, body).then(onUpdated).catch((e) => onError(e.message));
  const mine = conversation.assigneeId === me.member.id;

  const take = h('button', { type: 'button', onclick: () => call('assignment', { memberId: mine ? null : me.member.id }) },
    mine ? t('thread.unassign') : t('thread.assignToMe'));

  const transfer = h('select', { 'aria-label': t('thread.transfer'), class: 'compact',
    onchange: () => call('assignment', { memberId: transfer.value ? Number(transfer.value) : null }) },
  h('option', { value: '' }, conversation.assigneeId ? t('thread.nobody') : `${t('thread.transfer')}…`),
  [...members.values()].filter((m) => m.active !== false).map((m) =>
    h('option', { value: String(m.id), selected: m.id === conversation.assigneeId }, m.name)));

  const chosen = new Set(conversation.labelIds ?? []);
  const labelBoxes = labels.map((label) => {
    const box = h('input', { type: 'checkbox', checked: chosen.has(label.id), onchange: () => {
      if (box.checked) chosen.add(label.id); else chosen.delete(label.id);
      api('PUT', `/api/v1/conversations/${id}/labels`, { labelIds: [...chosen] }).then(onUpdated).catch((e) => onError(e.message));
    } });
    return h('label', { class: 'check' }, box, ' ', label.name);
  });
  const labelMenu = labels.length
    ? h('details', { class: 'menu' }, h('summary', {}, t('thread.labels'), chosen.size ? ` (${chosen.size})` : ''), h('div', { class: 'menu-body' }, labelBoxes))
    : null;

  const tomorrowNine = () => { const d = new Date(); d.setDate(d.getDate() + 1); d.setHours(9, 0, 0, 0); return d.getTime(); };
  const status = h('select', { 'aria-label': t('thread.status'), class: 'compact', onchange: () => {
    const value = status.value;
    if (value === 'snooze-hour') call('status', { status: 'snoozed', snoozedUntil: Date.now() + 3_600_000 });
    else if (value === 'snooze-tomorrow') call('status', { status: 'snoozed', snoozedUntil: tomorrowNine() });
    else call('status', { status: value });
  } },
  ['open', 'pending', 'resolved'].map((s) => h('option', { value: s, selected: s === conversation.status }, t(`status.${s}`))),
  conversation.status === 'snoozed'
    ? h('option', { value: 'snoozed', selected: true, disabled: true },
      conversation.snoozedUntil ? t('thread.snoozedUntil', { time: dateTime(conversation.snoozedUntil) }) : t('status.snoozed'))
    : null,
  h('option', { value: 'snooze-hour' }, t('snooze.hour')), h('option', { value: 'snooze-tomorrow' }, t('snooze.tomorrow')));

  return h('div', { class: 'actions' }, take, transfer, labelMenu, status);
}
