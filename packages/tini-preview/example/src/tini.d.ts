/**
 * The globals this example's TypeScript uses, from @tiki.vn/tini-types (its App and Page types are right;
 * apps/miniapp/src/platform/tini.d.ts says which of the package's other types are not).
 */
/// <reference lib="es2019" />
/// <reference types="@tiki.vn/tini-types/types/page" resolution-mode="require" />
/// <reference types="@tiki.vn/tini-types/types/event" resolution-mode="require" />

declare const Page: tinitypes.Page.Constructor;
