/**
 * The Tini App globals, fixed.
 *
 * `@tiki.vn/tini-types@0.3.0` is right about `App`, `Page`, events and the UI APIs, so those files are
 * referenced one by one. The rest is not used: its entry point pins the library to ES5/ES2016 and declares
 * `globalThis` and `Function` as `undefined`, and its `my.getAuthCode`, `my.request` and storage types are wrong
 * (Alipay's scope names and singular field names, GET/POST only, no `includeHeader`, `removeStorage` without a
 * key, no timers, no `getUserInfo`). Every file of the package says `no-default-lib`, which drops the tsconfig
 * `lib`, so the ES2019 library is referenced here explicitly; the DOM never is.
 * src/platform/tini-globals.typecheck.ts is the specification of what this allows and forbids.
 */
/// <reference lib="es2019" />
/// <reference types="@tiki.vn/tini-types/types/app" resolution-mode="require" />
/// <reference types="@tiki.vn/tini-types/types/page" resolution-mode="require" />
/// <reference types="@tiki.vn/tini-types/types/event" resolution-mode="require" />
/// <reference types="@tiki.vn/tini-types/types/console" resolution-mode="require" />
/// <reference types="@tiki.vn/tini-types/types/api/ui/index" resolution-mode="require" />

declare const App: tinitypes.App.Constructor;
declare const getApp: tinitypes.App.GetApp;
declare const Page: tinitypes.Page.Constructor;
declare const getCurrentPages: tinitypes.Page.GetCurrentPages;

/** The logic thread has timers (the package omits them); it has no `fetch`, `XMLHttpRequest` or `window`. */
declare function setTimeout(callback: () => void, ms?: number): number;
declare function clearTimeout(id: number | undefined): void;

declare namespace my {
  /**
   * The failure `my.*` APIs report: `{ error, errorMessage }` for most, `{ code, message }` for some (such as
   * `my.getUserInfo`), and some hosts pass a bare string. platform/host-failure.ts reads all three.
   */
  interface IFailResult {
    readonly error?: number;
    readonly errorMessage?: string;
    readonly code?: number | string;
    readonly message?: string;
  }
  type FailResult = IFailResult | string;

  /** Whether this host supports an API, an API's parameter, or a component's attribute (runtime 1.73.11+). */
  function canIUse(feature: string): boolean;

  // ---- my.getAuthCode: Tiki's scopes, both spellings of the result fields, `fail(result)` ----

  /** Tiki scope names (defined once in the platform package); other strings pass, as Tiki adds scopes. */
  type TikiScope = import('@tini-starter/tiki-platform/scopes').Scope;
  /** "1": the mini app may not request this scope; "2": the user refused it. */
  type AuthScopeErrorCode = '1' | '2' | (string & {});

  interface GetAuthCodeResult {
    readonly authCode?: string;
    readonly authSuccessScopes?: readonly string[];
    readonly authErrorScopes?: Readonly<Record<string, AuthScopeErrorCode>>;
    /** The spellings of the type package (Alipay's); some hosts may still send them. */
    readonly authSuccessScope?: readonly string[];
    readonly authErrorScope?: Readonly<Record<string, AuthScopeErrorCode>>;
  }

  interface GetAuthCodeOptions {
    scopes?: TikiScope | TikiScope[];
    success?(result: GetAuthCodeResult): void;
    fail?(result?: FailResult): void;
    complete?(): void;
  }

  function getAuthCode(options: GetAuthCodeOptions): void;

  // ---- my.makePayment (the package's payment.d.ts has `fail()` without an argument and every callback required) ----

  interface MakePaymentOptions {
    /** Tiki's order id (`data.order.id` of POST /order): a string of digits, usable once. */
    orderId: string;
    /** 'cod' for cash on delivery; omitted for online payment. */
    paymentMethod?: 'cod' | (string & {});
    /** Called with the string 'success' (docs/api/open/make-payment.md): proof of nothing; ask the server. */
    success?(result?: unknown): void;
    /** An error message string, or an object with `errorMessage` (Tiki's samples read both). */
    fail?(result?: FailResult): void;
    complete?(): void;
  }

  function makePayment(options: MakePaymentOptions): void;

  // ---- my.getUserInfo (missing from the package) ----

  interface UserInfo {
    /** The Tiki customer id (a string here; a number in the Platform API). */
    readonly customerId?: string;
    readonly name?: string;
    readonly avatar?: string;
    /** Documented as `phone`; some hosts send `phoneNumber`. Both need the permission getUserPhoneAndEmail. */
    readonly phone?: string;
    readonly phoneNumber?: string;
    readonly email?: string;
  }

  function getUserInfo(options: {
    success?(info: UserInfo): void;
    fail?(result?: FailResult): void;
    complete?(): void;
  }): void;

  // ---- my.request: every method, includeHeader, and both shapes of the success result ----

  type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

  /** The documented success result; some of Tiki's samples read the body directly instead. */
  interface RequestResult {
    readonly data?: unknown;
    readonly status?: number;
    readonly statusText?: string;
    readonly headers?: Readonly<Record<string, string>>;
  }

  interface RequestFailResult extends IFailResult {
    /** Some hosts report an HTTP error status through `fail`, with the body. */
    readonly status?: number;
    readonly data?: unknown;
    readonly headers?: Readonly<Record<string, string>>;
  }

  interface RequestOptions {
    url: string;
    method?: HttpMethod;
    headers?: Record<string, string>;
    data?: string | Record<string, unknown>;
    dataType?: 'json' | 'text' | 'base64' | 'arraybuffer';
    /** Milliseconds; the host's default is 30 000. */
    timeout?: number;
    includeHeader?: boolean;
    success?(result: RequestResult | unknown): void;
    fail?(result?: RequestFailResult | string): void;
    complete?(): void;
  }

  /** `abort()` is not supported by Tiki, so the returned task is not typed. */
  function request(options: RequestOptions): unknown;

  // ---- storage: `removeStorage({ key })` ----

  type StorageData = string | number | boolean | null | Record<string, unknown> | readonly unknown[];

  function setStorage(options: {
    key: string;
    data: StorageData;
    success?(): void;
    fail?(result?: FailResult): void;
    complete?(): void;
  }): void;

  function getStorage(options: {
    key: string;
    success?(result: { readonly data?: unknown }): void;
    fail?(result?: FailResult): void;
    complete?(): void;
  }): void;

  function removeStorage(options: {
    key: string;
    success?(): void;
    fail?(result?: FailResult): void;
    complete?(): void;
  }): void;

  // ---- encrypted storage (where my.canIUse('setEncryptedStorage')): the value is `value`, read back as `data` ----

  function setEncryptedStorage(options: {
    key: string;
    value: string | Record<string, unknown>;
    success?(): void;
    fail?(result?: FailResult): void;
    complete?(): void;
  }): void;

  function getEncryptedStorage(options: {
    key: string;
    success?(result: { readonly data?: unknown }): void;
    fail?(result?: FailResult): void;
    complete?(): void;
  }): void;

  function removeEncryptedStorage(options: {
    key: string;
    success?(): void;
    fail?(result?: FailResult): void;
    complete?(): void;
  }): void;

  /** The package's toast lacks `buttonText`. */
  interface IShowToastOptions {
    buttonText?: string;
  }
}
