import { api } from './api.js';
import { clear, h } from './dom.js';
import { t } from './i18n.js';

// Linking this browser from a device that is already signed in, as WhatsApp Web does: a QR code
// and a short code, valid for a short time; once approved, this browser gets its own session.
export async function showLink(onSignedIn, onBack) {
  const root = clear(document.getElementById('root'));
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  const card = h('main', { class: 'login' }, h('section', { class: 'login-card link-card', 'aria-labelledby': 'link-title' },
    h('h1', { id: 'link-title' }, t('link.title')), h('p', {}, t('link.explain')), status,
    h('button', { class: 'link', onclick: () => { stopped = true; onBack(); } }, t('link.back'))));
  root.append(card);
  let stopped = false;
  const link = await api('POST', '/api/v1/device-links', { browser: navigator.userAgent.slice(0, 120) });
  const qr = h('img', { class: 'qr', alt: t('link.qrAlt'), width: '220', height: '220' });
  if (link.qrSvg) qr.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(link.qrSvg);
  const code = h('p', { class: 'short-code', 'aria-label': t('link.codeLabel') }, link.code);
  card.querySelector('.login-card').insertBefore(h('div', { class: 'qr-box' }, link.qrSvg ? qr : null, code), status);
  const tick = () => {
    const left = Math.max(0, Math.round((link.expiresAt - Date.now()) / 1000));
    status.textContent = left > 0 ? t('link.expiresIn', { seconds: left }) : t('link.expired');
    return left;
  };
  while (!stopped && tick() > 0) {
    try {
      const reply = await fetch(`/api/v1/device-links/${link.id}/claim`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ secret: link.secret }), credentials: 'same-origin' });
      if (reply.status === 201) { onSignedIn(); return; }
      if (reply.status !== 202) break;
    } catch { /* keep trying until the code expires */ }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (!stopped) tick();
}
