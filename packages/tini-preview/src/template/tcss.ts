/**
 * TCSS as the browser's CSS: `rpx` against a 750-unit wide screen (the family's unit, which Tiki's docs
 * use) becomes a share of the frame's width, and `@import` of another .tcss is inlined: a path of the app
 * (`./common.tcss`, as Tiki's TCSS page writes it) or of an npm package (`@tiki.vn/tini-style/es/index.tcss`,
 * as tini-style's install page does). An import that cannot be found is reported, never dropped in silence.
 */
import { appPathOf, resolvePath } from './render.ts';

/** 1rpx, as a CSS length, for a frame `--tini-width` wide. */
export const RPX = 'calc(var(--tini-width) / 750)';

export function toCss(
  source: string,
  file: string,
  load: (file: string) => string | undefined,
  report: (problem: string) => void = () => {},
  seen: string[] = [],
): string {
  const withImports = source.replace(
    /@import\s+(?:url\()?\s*["']([^"']+)["']\s*\)?\s*;/g,
    (_, src: string) => {
      // A bare name is a file beside this one when there is one (the family's reading), else an npm path.
      const beside = resolvePath(file, src);
      const target = load(beside) === undefined ? appPathOf(file, src) : beside;
      const text = load(target);
      if (text === undefined) {
        report(`${file}: @import "${src}" is not in the app`);
        return `/* @import "${src}": not found */`;
      }
      if (seen.includes(target) || target === file) {
        report(`${file}: @import "${src}" imports itself`);
        return `/* @import "${src}": a loop */`;
      }
      return toCss(text, target, load, report, [...seen, file]);
    },
  );
  return withImports.replace(/(-?(?:\d+\.?\d*|\.\d+))rpx\b/g, (_, n: string) => `calc(${n} * ${RPX})`);
}
