// The REST API on this origin. The access token lives in sessionStorage: it survives a reload
// but not the tab, and no cookie carries it, so no other site can make the browser use it.

const TOKEN_KEY = "huleedu.token";
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
    this.details = error.details;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Call `listener()` when the API says the token is no longer good (401). */
export function onUnauthorized(listener) {
  listeners.add(listener);
}

async function parse(response) {
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("application/json")) return response.json();
  return response.text();
}

/**
 * fetch with the bearer token; resolves to the parsed body of a 2xx answer and throws
 * ApiError for anything else. `json` is sent as a JSON body, `body` (FormData) as it is.
 */
export async function api(method, path, { json, body, headers = {}, anonymous = false } = {}) {
  const sent = { ...headers };
  const current = token();
  if (current && !anonymous) sent.Authorization = `Bearer ${current}`;
  let payload = body;
  if (json !== undefined) {
    sent["Content-Type"] = "application/json";
    payload = JSON.stringify(json);
  }
  const response = await fetch(path, { method, headers: sent, body: payload });
  const parsed = await parse(response);
  if (!response.ok) {
    if (response.status === 401 && !anonymous) listeners.forEach((listener) => listener());
    throw new ApiError(response.status, typeof parsed === "object" ? parsed : null);
  }
  return parsed;
}

export const get = (path) => api("GET", path);
