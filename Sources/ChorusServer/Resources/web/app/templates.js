import { api } from './api.js';
import { clear, h } from './dom.js';
import { t } from './i18n.js';

// The template dialog: the only way to reach a customer once the 24 h window is closed (it says
// so then). Lists the approved templates, asks for each {{n}} of the body, shows the result and
// sends it.
export async function openTemplateDialog(conversationId, windowOpen, onSent) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const body = h('div', { class: 'template-form' });
  const dialog = h('dialog', { class: 'panel', 'aria-labelledby': 'template-title' },
    h('button', { class: 'link close', 'aria-label': t('search.close'), onclick: () => dialog.close() }, '✕'),
    h('h2', { id: 'template-title' }, t('template.title')), windowOpen ? null : h('p', { class: 'muted' }, t('template.windowClosed')), body, error);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();

  const templates = (await api('GET', '/api/v1/templates').catch(() => ({ items: [] }))).items
    .filter((x) => (x.status ?? '').toUpperCase() === 'APPROVED');
  if (!templates.length) { body.append(h('p', {}, t('template.none'))); return; }
  const select = h('select', { id: 'template-pick' }, templates.map((x, i) => h('option', { value: String(i) }, `${x.name} · ${x.language}`)));
  const fields = h('div', { class: 'settings-form' });
  const preview = h('p', { class: 'bubble out template-preview', 'aria-live': 'polite' });
  const send = h('button', { class: 'primary', type: 'submit' }, t('template.send'));
  const form = h('form', { class: 'settings-form' },
    h('label', { class: 'field', for: 'template-pick' }, t('template.pick'), select), fields,
    h('span', { class: 'muted' }, t('template.preview')), preview, send);
  body.append(form);

  const text = (x) => (x.components?.find?.((c) => (c.type ?? '').toUpperCase() === 'BODY')?.text) ?? x.name;
  const render = () => {
    const x = templates[Number(select.value)];
    const count = new Set([...text(x).matchAll(/\{\{(\d+)\}\}/g)].map((m) => m[1])).size;
    clear(fields);
    for (let n = 1; n <= count; n += 1) {
      const input = h('input', { id: `template-param-${n}`, required: true, oninput: showPreview });
      fields.append(h('label', { class: 'field', for: input.id }, t('template.param', { n }), input));
    }
    showPreview();
  };
  function values() { return [...fields.querySelectorAll('input')].map((i) => i.value); }
  function showPreview() {
    const x = templates[Number(select.value)], v = values();
    preview.textContent = text(x).replace(/\{\{(\d+)\}\}/g, (m, n) => v[Number(n) - 1] || m);
  }
  select.addEventListener('change', render);
  render();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const x = templates[Number(select.value)], v = values();
    const template = { name: x.name, language: { code: x.language } };
    if (v.length) template.components = [{ type: 'body', parameters: v.map((value) => ({ type: 'text', text: value })) }];
    try {
      const message = await api('POST', `/api/v1/conversations/${conversationId}/messages`, { type: 'template', template, clientKey: crypto.randomUUID() });
      dialog.close();
      onSent(message);
    } catch (failure) { error.textContent = failure.message; }
  });
}
