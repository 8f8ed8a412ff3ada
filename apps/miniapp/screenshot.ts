// The root README's picture of the preview, from a real run: the emulator, the server, the development build
// and the preview (src/testing/preview-world.ts, as the preview's tests run them), signed in, in Chromium.
//
//   pnpm --filter @tini-starter/miniapp screenshot      writes preview.png beside this file
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signIn, startPreviewWorld } from './src/testing/preview-world.ts';

export const SCREENSHOT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'preview.png');

/** Signs in on the preview and saves the phone, the profile shown, to `file`. */
export async function takeScreenshot(file: string = SCREENSHOT): Promise<void> {
  const previewWorld = await startPreviewWorld();
  try {
    const page = await previewWorld.open();
    await signIn(page);
    // The avatar's and buttons' transitions settle before the picture.
    await page.waitForTimeout(300);
    await page.locator('#tini-phone').screenshot({ path: file, animations: 'disabled' });
  } finally {
    await previewWorld.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await takeScreenshot();
  console.warn(`miniapp: wrote ${path.relative(process.cwd(), SCREENSHOT)}`);
}
