import { describe, expect, it } from 'vitest';
import { RPX, toCss } from './tcss.ts';

describe('TCSS', () => {
  it('turns rpx into a share of the frame’s width and inlines @import', () => {
    const files: Record<string, string> = { 'styles/base.tcss': '.a { margin: 10rpx -0.5rpx; }' };
    expect(
      toCss(
        '@import "../../styles/base.tcss";\n.b { width: 750rpx; top: 2px }',
        'pages/x/index.tcss',
        (f) => files[f],
      ),
    ).toBe(
      `.a { margin: calc(10 * ${RPX}) calc(-0.5 * ${RPX}); }\n.b { width: calc(750 * ${RPX}); top: 2px }`,
    );
  });

  it('reads a bare @import as a file beside it when there is one, else from an npm package', () => {
    const files: Record<string, string> = {
      'common.tcss': '.c {}',
      'node_modules/@tiki.vn/tini-style/es/index.tcss': '@import "./variables.tcss";',
      'node_modules/@tiki.vn/tini-style/es/variables.tcss': 'page { --space: 8rpx; }',
    };
    const css = toCss(
      '@import "common.tcss"; @import "@tiki.vn/tini-style/es/index.tcss";',
      'app.tcss',
      (f) => files[f],
    );
    expect(css).toBe(`.c {} page { --space: calc(8 * ${RPX}); }`);
  });

  it('reports an @import it cannot find, or one that imports itself', () => {
    const problems: string[] = [];
    const files: Record<string, string> = { 'a.tcss': '@import "./a.tcss";' };
    toCss(
      '@import "./none.tcss"; @import "./a.tcss";',
      'app.tcss',
      (f) => files[f],
      (p) => problems.push(p),
    );
    expect(problems).toEqual([
      'app.tcss: @import "./none.tcss" is not in the app',
      'a.tcss: @import "./a.tcss" imports itself',
    ]);
  });
});
