import { h } from './dom.js';
import { t } from './i18n.js';

// "?": the keyboard shortcuts, as a dialog (Escape closes it, like every dialog).
export function openHelp() {
  const keys = [['j', 'help.j'], ['k', 'help.k'], ['Enter', 'help.enter'], ['r', 'help.r'], ['n', 'help.n'], ['a', 'help.a'],
    ['e', 'help.e'], ['Ctrl+K', 'help.search'], ['?', 'help.help'], ['Esc', 'help.escape'], ['Enter', 'help.send'],
    ['/', 'help.slash'], ['@', 'help.at']];
  const dialog = h('dialog', { class: 'panel', 'aria-labelledby': 'help-title' },
    h('button', { class: 'link close', 'aria-label': t('search.close'), onclick: () => dialog.close() }, '✕'),
    h('h2', { id: 'help-title' }, t('help.title')),
    h('dl', { class: 'shortcuts' }, keys.map(([key, label]) => [h('dt', {}, h('kbd', {}, key)), h('dd', {}, t(label))])));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
