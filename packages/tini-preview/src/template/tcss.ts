/**
 * TCSS as the browser's CSS: `rpx` against a 750-unit wide screen (the family's unit, which Tiki's docs
 * use) becomes a share of the frame's width, and `@import` of another .tcss is inlined.
 */
import { resolvePath } from './render.ts';

/** 1rpx, as a CSS length, for a frame `--tini-width` wide. */
export const RPX = 'calc(var(--tini-width) / 750)';

export function toCss(
  source: string,
  file: string,
  load: (file: string) => string | undefined,
  seen: string[] = [],
): string {
  const withImports = source.replace(
    /@import\s+(?:url\()?\s*["']([^"']+)["']\s*\)?\s*;/g,
    (_, src: string) => {
      const target = resolvePath(file, src);
      const text = load(target);
      if (text === undefined || seen.includes(target)) return `/* @import "${src}": not found or a loop */`;
      return toCss(text, target, load, [...seen, file]);
    },
  );
  return withImports.replace(/(-?(?:\d+\.?\d*|\.\d+))rpx\b/g, (_, n: string) => `calc(${n} * ${RPX})`);
}
