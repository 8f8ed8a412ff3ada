// The Tini type files say `no-default-lib`, which drops the `lib` of tsconfig.base.json from any program
// that includes them; Node-side code (build script, harness, tests) gets its library back here.
/// <reference lib="es2023" />
