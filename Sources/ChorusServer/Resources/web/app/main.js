import { api, ApiError } from './api.js';
import { showLogin } from './login.js';
import { showInbox } from './inbox.js';

// Boot: a valid session opens the inbox, otherwise the sign-in page.
async function boot() {
  try {
    const me = await api('GET', '/api/v1/me');
    showInbox(me, boot);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) showLogin(boot);
    else showLogin(boot, error.message);
  }
}

boot();
