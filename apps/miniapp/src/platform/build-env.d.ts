/** Constants replaced by build.mjs (esbuild `define`); they never exist at run time. */

/** True in the development build; the production build removes every branch that tests it. */
declare const __DEV__: boolean;
/** Origin of our server, e.g. 'http://127.0.0.1:3000' (development) or 'https://api.example.vn'. */
declare const __API_BASE_URL__: string;
/** Development build only: the emulator's origin when it is not the default one ('' means the default). */
declare const __EMULATOR_ORIGIN__: string;
/** Development build only: the client key the emulator's consent codes are for ('' means DEV_CLIENT_ID). */
declare const __DEV_CLIENT_ID__: string;
