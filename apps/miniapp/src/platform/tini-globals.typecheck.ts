/**
 * Compile-time specification of the Tini globals (checked by `pnpm typecheck`, never bundled): what the
 * fixed types allow that @tiki.vn/tini-types@0.3.0 rejects, and what the logic thread does not have.
 */
export function allowedByTheFixedTypes(): void {
  my.request({ url: 'https://api.example.vn/x', method: 'PUT', includeHeader: true, headers: { a: 'b' } });
  my.request({ url: 'https://api.example.vn/x', method: 'DELETE', dataType: 'text', timeout: 1000 });
  my.removeStorage({ key: 'session' });
  my.getUserInfo({
    success: (info) => [info.customerId, info.name, info.phoneNumber ?? info.phone],
    fail: (f) => (typeof f === 'string' ? f : [f?.code, f?.message]),
  });
  if (my.canIUse('setEncryptedStorage')) my.setEncryptedStorage({ key: 'session', value: '{}' });
  my.getAuthCode({
    scopes: ['user_profile', 'offline'],
    success: (r) => [r.authCode, r.authSuccessScopes, r.authErrorScopes?.offline, r.authSuccessScope],
    // A fail payload may be { error, errorMessage }, { code, message } or a bare string.
    fail: (f) => (typeof f === 'string' ? f : [f?.error, f?.errorMessage, f?.code, f?.message]),
  });
  my.showToast({ content: 'Đã lưu', buttonText: 'OK' });
  const timer = setTimeout(() => undefined, 10);
  clearTimeout(timer);
  // ES2019 library.
  Object.fromEntries([['a', 1]]);
  [[1], [2]].flat();
  'x'.trimStart();
}

export function absentFromTheLogicThread(): void {
  // @ts-expect-error no DOM
  document.title;
  // @ts-expect-error no DOM
  window.location;
  // @ts-expect-error no fetch: my.request only
  fetch('https://api.example.vn');
  // @ts-expect-error no XMLHttpRequest
  new XMLHttpRequest();
  // @ts-expect-error no Node
  process.env;
  // @ts-expect-error ES2021 is beyond the ES2019 floor
  'a'.replaceAll('a', 'b');
}
