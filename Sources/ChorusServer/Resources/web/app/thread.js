import { h, linkify } from './dom.js';
import { money, t, time } from './i18n.js';

// One message as the agent sees it: every WhatsApp type rendered as text and links only. A failed
// reply says why, with what to do next (`actions.retry`, `actions.template`).
// `changes` folds later messages into this one as WhatsApp shows them: `edit` (the customer's
// edit replaces the content, marked "edited"), `deleted`, `reaction` (an emoji on the bubble).
export function renderMessage(message, memberName, actions = {}, changes = {}) {
  const outbound = message.direction === 'outbound';
  const shown = changes.edit
    ? { ...message, type: changes.edit.content?.edit?.message?.type ?? message.type, text: changes.edit.text,
      content: changes.edit.content?.edit?.message ?? message.content }
    : message;
  const bubble = h('div', { class: `bubble ${outbound ? 'out' : 'in'}${changes.deleted ? ' deleted' : ''}`, dataset: { id: message.id } },
    message.replyToWamid ? quote(actions.quoted?.(message.replyToWamid)) : null,
    h('div', { class: 'body' }, changes.deleted ? t('message.deleted') : body(shown)),
    changes.reaction ? h('span', { class: 'reaction', 'aria-label': t('message.reaction', { emoji: changes.reaction }) }, changes.reaction) : null,
    h('div', { class: 'meta' }, changes.edit && !changes.deleted ? h('span', { class: 'edited' }, t('message.edited')) : null,
      outbound && message.senderMemberId ? h('span', { class: 'sender' }, memberName(message.senderMemberId)) : null,
      h('time', { datetime: new Date(message.timestamp).toISOString() }, time(message.timestamp)),
      outbound ? ticks(message) : null));
  return h('div', { class: `row ${outbound ? 'out' : 'in'}` }, bubble, outbound ? problem(message, actions) : null);
}

// The message this one answers, as WhatsApp shows it: a short quote above the text.
function quote(original) {
  const text = original ? (original.text ?? original.content?.body ?? original.content?.text?.body ?? t(`message.${original.type}`)) : t('message.quotedUnavailable');
  return h('blockquote', { class: 'quote' }, text.length > 140 ? `${text.slice(0, 140)}…` : text);
}

function problem(message, actions) {
  if (message.status === 'unknown') return h('p', { class: 'failure' }, t('status.unknown'));
  if (message.status !== 'failed') return null;
  const reason = [message.error?.title, message.error?.hint].filter(Boolean).join(' — ') || t('status.failed');
  const windowClosed = message.error?.code === 131047;
  return h('div', { class: 'failure', role: 'note' }, t('failed.explain', { reason }),
    h('span', { class: 'failure-actions' },
      actions.retry && !windowClosed && message.type === 'text'
        ? h('button', { type: 'button', class: 'link', onclick: () => actions.retry(message) }, t('failed.retry')) : null,
      actions.template ? h('button', { type: 'button', class: 'link', onclick: () => actions.template(message) }, t('failed.template')) : null));
}

// A separator between days in the thread.
export function renderDay(label) {
  return h('div', { class: 'day', role: 'separator' }, h('span', {}, label));
}

export function renderNote(note, memberName) {
  return h('div', { class: 'note', dataset: { note: note.id } },
    h('span', { class: 'note-label' }, t('thread.note')),
    h('div', { class: 'body' }, linkify(note.body)),
    h('div', { class: 'meta' }, h('span', { class: 'sender' }, memberName(note.authorId)), ' · ', time(note.createdAt)));
}

export function ticks(message) {
  const status = message.status;
  if (status === 'failed') {
    const reason = message.error?.hint || message.error?.title || t('status.failed');
    return h('span', { class: 'tick failed', title: reason, 'aria-label': `${t('status.failed')}: ${reason}` }, '!');
  }
  const label = { queued: '🕓', sending: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', played: '✓✓', unknown: '?' }[status] ?? '';
  return h('span', { class: `tick ${status}`, 'aria-label': status }, label);
}

function media(message, kind) {
  const caption = message.content?.[message.type]?.caption ?? message.text;
  const parts = [h('span', { class: 'media-kind' }, t(`message.${kind}`))];
  if (message.mediaRef && message.mediaStatus === 'stored') {
    const url = `/api/v1/media/${message.mediaRef}`;
    if (kind === 'image' || kind === 'sticker') parts.push(h('img', { src: url, alt: caption || t(`message.${kind}`), class: 'media', loading: 'lazy' }));
    else if (kind === 'video') parts.push(h('video', { src: url, controls: true, class: 'media' }));
    else if (kind === 'audio') parts.push(h('audio', { src: url, controls: true }));
    else parts.push(h('a', { href: url, download: message.content?.document?.filename ?? 'document' }, message.content?.document?.filename ?? url));
  }
  if (caption) parts.push(h('div', {}, linkify(caption)));
  return parts;
}

function body(message) {
  const c = message.content ?? {};
  switch (message.type) {
    case 'text': return linkify(message.text ?? c.text?.body ?? '');
    case 'image': case 'video': case 'sticker': case 'document': return media(message, message.type);
    case 'audio': case 'voice': return media(message, 'audio');
    case 'location': {
      const loc = c.location ?? {};
      const label = [loc.name, loc.address].filter(Boolean).join(', ') || `${loc.latitude}, ${loc.longitude}`;
      return [h('span', { class: 'media-kind' }, t('message.location')), ' ', label];
    }
    case 'contacts':
      return [h('span', { class: 'media-kind' }, t('message.contacts')), ' ',
        (c.contacts ?? []).map((x) => x.name?.formatted_name ?? '').join(', ')];
    case 'interactive':
      return c.interactive?.button_reply?.title ?? c.interactive?.list_reply?.title ?? message.text ?? '';
    case 'button': return c.button?.text ?? message.text ?? '';
    case 'reaction': return t('message.reaction', { emoji: c.reaction?.emoji ?? '' });
    case 'order': {
      const items = c.order?.product_items ?? [];
      const total = items.reduce((sum, item) => sum + Number(item.item_price ?? 0) * Number(item.quantity ?? 1), 0);
      return `🛒 ${items.length} × — ${money(total, items[0]?.currency ?? 'USD')}`;
    }
    case 'unsupported': return t('message.unsupported');
    case 'revoke': return t('message.deleted');
    case 'template': return message.text ?? c.template?.name ?? '';
    default: return message.text ? linkify(message.text) : t('message.other', { type: message.type });
  }
}
