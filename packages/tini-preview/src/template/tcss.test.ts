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
    expect(toCss('@import "./none.tcss";', 'app.tcss', () => undefined)).toContain('not found');
  });
});
