import { t } from './i18n.js';

// Browser notifications for what needs this member: a conversation assigned to them and a
// mention in a note. Only while the tab is hidden (in view, the list shows it already).
export function notificationsButton(h) {
  if (!('Notification' in window) || Notification.permission !== 'default') return null;
  const button = h('button', { class: 'link notify', onclick: async () => { await Notification.requestPermission(); button.remove(); } }, t('notify.enable'));
  return button;
}

export function notify(event, me, name) {
  if (!('Notification' in window) || Notification.permission !== 'granted' || !document.hidden) return;
  if (event.type === 'conversation.assigned' && event.data?.assigneeId === me.member.id && event.data?.by !== me.member.id) {
    new Notification(t('notify.assigned', { name: name(event) }), { tag: `conversation-${event.conversationId}` });
  } else if (event.type === 'mention' && event.data?.authorId !== me.member.id) {
    new Notification(t('notify.mention', { name: name(event) }), { body: event.data?.body ?? '', tag: `mention-${event.id}` });
  }
}
