/**
 * Compile-time specification of the Tini globals (checked by `pnpm typecheck`, never bundled): what the
 * fixed types allow that @tiki.vn/tini-types@0.3.0 rejects, and what the logic thread does not have.
 */
export function allowedByTheFixedTypes(): void {
  my.request({ url: 'https://api.example.vn/x', method: 'PUT', includeHeader: true, headers: { a: 'b' } });
  my.request({ url: 'https://api.example.vn/x', method: 'DELETE', dataType: 'text', timeout: 1000 });
  my.removeStorage({ key: 'session' });
  my.getUserInfo({ success: (info) => info.name });
  my.getAuthCode({
    scopes: ['user_profile', 'offline'],
    success: (r) => [r.authCode, r.authSuccessScopes, r.authErrorScopes?.offline, r.authSuccessScope],
    fail: (f) => f?.error,
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
