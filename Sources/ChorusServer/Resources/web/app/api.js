// The public REST API, with the session cookie. Unsafe methods carry the CSRF header the
// server requires for cookie sessions.
export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

import { t } from './i18n.js';

// Sensitive actions answer `step_up_required`: ask for the 6-digit PIN (setting one first if the
// member has none), step the device up, and try once more.
export async function api(method, path, body) {
  try {
    return await request(method, path, body);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'step_up_required' || path === '/api/v1/me/step-up') throw error;
    const pin = window.prompt(t('stepUp.prompt'));
    if (!pin) throw error;
    try {
      await request('POST', '/api/v1/me/step-up', { pin });
    } catch (failure) {
      if (failure.code !== 'pin_not_set') throw failure;
      await request('PUT', '/api/v1/me/pin', { pin });
      await request('POST', '/api/v1/me/step-up', { pin });
    }
    return request(method, path, body);
  }
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-Chorus-CSRF'] = '1';
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 204) return null;
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, data?.error?.code ?? 'http_' + response.status, data?.error?.message ?? response.statusText, data);
  }
  return data;
}

// A file as the request body, its type as Content-Type (the API's upload form).
export async function upload(path, file) {
  const response = await fetch(path, { method: 'POST', credentials: 'same-origin', body: file,
    headers: { Accept: 'application/json', 'X-Chorus-CSRF': '1', 'Content-Type': file.type || 'application/octet-stream' } });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data?.error?.code ?? 'http_' + response.status, data?.error?.message ?? response.statusText, data);
  return data;
}
