/**
 * The preview's page: a phone-sized frame (375 x 812, Tini's title bar above the page) and the default look
 * of Tini's basic components. The look is the preview's own approximation; Tini Studio stays the reference.
 */
export function shellHtml(title: string): string {
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tini preview</title>
<style>${SHELL_CSS}</style>
<style id="tini-app-style"></style>
<style id="tini-page-style"></style>
</head>
<body>
<main id="tini-phone">
  <header id="tini-bar"><button id="tini-back" type="button" aria-label="Quay lại" hidden>‹</button><span id="tini-title"></span></header>
  <section id="tini-screen"></section>
</main>
<aside id="tini-aside">
  <p>Tini preview, not Tini Studio: a development approximation of how this app looks.
  Studio stays the reference for a phone.</p>
  <ul id="tini-problems" aria-label="Preview problems" hidden></ul>
</aside>
<script type="module" src="/__preview/client.js"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const SHELL_CSS = `
[hidden] { display: none !important; }
html, body { margin: 0; background: #e9ebf0; font-family: -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
body { display: flex; gap: 24px; justify-content: center; align-items: flex-start; padding: 24px; }
#tini-phone { --tini-width: 375px; --tini-title-color: #1a94ff; width: var(--tini-width); height: 812px;
  display: flex; flex-direction: column; background: #fff; border-radius: 28px; overflow: hidden;
  box-shadow: 0 12px 40px rgba(0,0,0,.18); border: 10px solid #1f2430; flex: none; }
#tini-bar { height: 44px; flex: none; display: flex; align-items: center; justify-content: center; position: relative;
  background: var(--tini-title-color); color: #fff; font-size: 17px; font-weight: 600; }
#tini-back { position: absolute; left: 4px; top: 0; height: 44px; width: 44px; border: 0; background: none; color: inherit;
  font-size: 30px; line-height: 1; cursor: pointer; }
#tini-screen { flex: 1; overflow-y: auto; position: relative; font-size: 14px; color: #27272a; }
#tini-aside { max-width: 320px; font-size: 13px; color: #515158; }
#tini-problems { color: #b3261e; padding-left: 18px; }
page { display: block; min-height: 100%; }
tini-component { display: contents; }
view { display: block; }
text { display: inline; white-space: pre-wrap; }
scroll-view { display: block; overflow: hidden; }
scroll-view[data-scroll-y] { overflow-y: auto; }
scroll-view[data-scroll-x] { overflow-x: auto; white-space: nowrap; }
image { display: inline-block; width: 320px; height: 240px; overflow: hidden; }
image > img { width: 100%; height: 100%; display: block; object-fit: fill; }
image[data-mode="aspectFit"] > img { object-fit: contain; }
image[data-mode="aspectFill"] > img { object-fit: cover; }
image[data-mode="widthFix"] { height: auto; } image[data-mode="widthFix"] > img { height: auto; }
icon { display: inline-block; width: var(--tini-icon-size); height: var(--tini-icon-size); border-radius: 50%;
  background: var(--tini-icon-color, #1a94ff); vertical-align: middle; }
input { display: block; box-sizing: border-box; width: 100%; height: 40px; padding: 0 12px; font: inherit;
  border: 1px solid #dddde3; border-radius: 8px; }
button { display: block; box-sizing: border-box; width: 100%; font: inherit; font-size: 16px; font-weight: 500;
  height: 44px; padding: 0 16px; border-radius: 8px; cursor: pointer; border: 1px solid #1a94ff;
  background: #fff; color: #1a94ff; }
button[data-type="solid"], button[data-type="primary"] { background: #1a94ff; color: #fff; }
button[data-type="ghost"] { border-color: transparent; background: transparent; }
button[data-type="warn"], button[data-type="danger"] { background: #ff424e; border-color: #ff424e; color: #fff; }
button[data-size="small"] { display: inline-block; width: auto; height: 32px; font-size: 14px; padding: 0 12px; }
button[data-size="large"] { height: 52px; font-size: 18px; }
button[data-shape="pill"], button[data-shape="rounded"] { border-radius: 999px; }
button:disabled { opacity: .45; cursor: default; }
button[data-loading]::before { content: ""; display: inline-block; width: 12px; height: 12px; margin-right: 8px;
  border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%; animation: tini-spin 1s linear infinite; }
@keyframes tini-spin { to { transform: rotate(360deg); } }
tini-notice { display: block; margin: 4px; padding: 6px 8px; border: 2px dashed #b3261e; color: #b3261e;
  background: #fff4f3; font: 12px/1.4 ui-monospace, monospace; }
tini-overlay { position: absolute; inset: 0; background: rgba(0,0,0,.4); display: flex; align-items: flex-end; z-index: 10; }
tini-sheet { display: block; width: 100%; background: #fff; border-radius: 12px 12px 0 0; padding-bottom: 8px; }
tini-sheet-title { display: block; padding: 14px 16px; color: #808089; font-size: 13px; text-align: center; }
.tini-sheet-item { border: 0; border-top: 1px solid #ebebf0; border-radius: 0; color: #27272a; background: #fff; height: 52px; }
.tini-sheet-cancel { border-top: 8px solid #f5f5fa; color: #808089; }
tini-dialog { display: block; margin: auto; width: 80%; background: #fff; border-radius: 12px; padding: 16px; }
tini-dialog-title { display: block; font-weight: 600; font-size: 16px; margin-bottom: 8px; }
tini-dialog-content { display: block; color: #515158; margin-bottom: 16px; }
tini-dialog-buttons { display: flex; gap: 8px; }
tini-overlay:has(tini-dialog) { align-items: center; }
tini-toast { position: absolute; left: 50%; top: 45%; transform: translateX(-50%); max-width: 70%; z-index: 20;
  background: rgba(0,0,0,.75); color: #fff; padding: 10px 16px; border-radius: 8px; text-align: center; }
`;
