import { api } from './api.js';
import { clear, h } from './dom.js';
import { language, languages, setLanguage, t } from './i18n.js';
import { showLink } from './link.js';

export function showLogin(onSignedIn, notice) {
  const root = clear(document.getElementById('root'));
  const error = h('p', { class: 'form-error', role: 'alert' }, notice ?? '');
  const email = h('input', { id: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const code = h('input', { id: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '20' });
  const codeRow = h('div', { class: 'field', hidden: true }, h('label', { for: 'code' }, t('login.code')), code);
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const form = h('form', { class: 'login-card', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, t('login.title')),
    h('div', { class: 'field' }, h('label', { for: 'email' }, t('login.email')), email),
    h('div', { class: 'field' }, h('label', { for: 'password' }, t('login.password')), password),
    codeRow, error, submit,
    h('button', { type: 'button', class: 'link', onclick: () => showLink(onSignedIn, () => showLogin(onSignedIn)) }, t('login.link')),
    languagePicker(() => showLogin(onSignedIn)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      const body = { email: email.value, password: password.value, browser: navigator.userAgent.slice(0, 120) };
      if (code.value) body.code = code.value;
      await api('POST', '/api/v1/sessions', body);
      onSignedIn();
    } catch (failure) {
      if (failure.code === 'two_factor_required') {
        codeRow.hidden = false;
        code.focus();
        error.textContent = t('login.needCode');
      } else {
        error.textContent = failure.code === 'login_locked' ? t('login.locked') : failure.message || t('login.failed');
      }
    } finally {
      submit.disabled = false;
    }
  });
  root.append(h('main', { class: 'login' }, form));
  email.focus();
}

export function languagePicker(onChange) {
  const select = h('select', { id: 'language', 'aria-label': t('nav.language') },
    languages.map(([code, name]) => h('option', { value: code, selected: code === language() }, name)));
  select.addEventListener('change', () => { setLanguage(select.value); onChange(); });
  return select;
}
