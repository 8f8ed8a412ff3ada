import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LaunchedApp, launch } from '@tini-starter/tini-host/node';
import { afterAll, describe, expect, it } from 'vitest';
import { renderTxml, type VNode } from './render.ts';

/** A built app with a page that uses a component: each lifecycle call is written to the console log. */
const dist = mkdtempSync(path.join(tmpdir(), 'tini-preview-components-'));
afterAll(() => rmSync(dist, { recursive: true, force: true }));
const files: Record<string, string> = {
  'app.json': JSON.stringify({ pages: ['pages/index/index'] }),
  'app.js': 'App({});',
  'pages/index/index.json': JSON.stringify({ usingComponents: { counter: '/components/counter/index' } }),
  'pages/index/index.txml': `
    <counter tiki:if="{{shown}}" label="{{label}}" step="{{2}}" onBump="bumped" ref="saveRef">
      <text slot="title">T:{{label}}</text>
      <text slot-scope="s">default {{s.count}} of {{label}}</text>
    </counter>
    <counter tiki:for="{{keys}}" tiki:key="*this" label="{{item}}" />`,
  'pages/index/index.js': `Page({
    data: { shown: true, label: 'a', keys: [] },
    bumped(count) { console.log('page bumped ' + count); this.setData({ last: count }); },
    saveRef(ref) { console.log('ref ' + ref.is); },
    set(event) { this.setData(event.detail); },
  });`,
  'components/counter/index.json': JSON.stringify({ component: true }),
  'components/counter/index.txml': `
    <view class="counter" onTap="plus" data-id="{{$id}}">
      <slot name="title"><text>no title</text></slot>
      <text>{{label}}={{count}} props.step={{props.step}} slots={{$slots.title ? 'title' : ''}}</text>
      <slot count="{{count}}"><text>nothing given</text></slot>
    </view>`,
  'components/counter/index.js': `
    const log = (self, what) => console.log(self.props.label + ' ' + what);
    Component({
      data() { return { count: 0 }; },
      props: { label: 'none', step: 1, onBump: () => console.log('default onBump') },
      onInit() { log(this, 'onInit'); },
      deriveDataFromProps(next) { log(this, 'derive ' + next.label); },
      didMount() { log(this, 'didMount'); },
      didUpdate(prevProps, prevData) {
        log(this, 'didUpdate ' + prevProps.label + '>' + this.props.label + ' ' + prevData.count + '>' + this.data.count);
      },
      didUnmount() { log(this, 'didUnmount'); },
      methods: {
        plus() {
          const count = this.data.count + this.props.step;
          this.setData({ count });
          this.props.onBump(count);
        },
      },
    });`,
  'pages/mixed/index.json': JSON.stringify({ usingComponents: { tags: '../../components/tags/index' } }),
  'components/tags/index.txml':
    '<text>{{title}}</text><text>{{items.join(",")}}</text><text>size={{size}}</text>',
  'components/tags/index.js': `
    const logging = { onInit() { console.log('mixin onInit'); }, data: { title: 'from mixin', items: ['x'] } };
    const sized = { props: { size: 's' }, methods: { insert() { this.$spliceData({ items: [1, 1, 'x', 'y'] }); } } };
    Component({
      mixins: [logging, sized],
      data: { items: ['a', 'b'] },
      onInit() { console.log('own onInit'); },
    });`,
};
for (const [file, text] of Object.entries(files)) {
  mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
  writeFileSync(path.join(dist, file), text);
}

/** One draw, as the browser's main.ts does it: render with a session, then end it. */
function draw(app: LaunchedApp): VNode[] {
  const page = app.page;
  const session = app.components.session(page);
  const rendered = renderTxml(files['pages/index/index.txml'] as string, page.data(), {
    file: 'pages/index/index.txml',
    load: (file) => files[file],
    components: session,
  });
  session.end();
  expect(rendered.notices).toEqual([]);
  return rendered.nodes;
}

/** The tree's text, components as <tag#id>(...). */
function text(nodes: VNode[]): string {
  return nodes
    .map((n) => {
      if (n.kind === 'text') return n.text;
      if (n.kind === 'notice') return `!${n.text}!`;
      if (n.kind === 'component') return `<${n.tag}>(${text(n.children)})`;
      return text(n.children);
    })
    .join('|');
}

const lines = (app: LaunchedApp) => app.log.console.map((l) => l.text);

describe('custom components', () => {
  it('draws the component with its props and data, fills its slots, and runs its lifecycle in order', async () => {
    const app = await launch({ distDir: dist, authCodes: () => ({ fail: { error: 11, errorMessage: '' } }) });
    await app.page.idle();
    expect(text(draw(app))).toBe('<counter>(T:a|a=0 props.step=2 slots=title|default 0 of a)');
    expect(lines(app)).toEqual(['a onInit', 'a derive a', 'ref /components/counter/index', 'a didMount']);

    // A tap in the component's template goes to its method, which calls the page back through onBump.
    const [counter] = app.components.list();
    await app.components.dispatch(counter?.id as number, 'plus', {
      type: 'tap',
      targetDataset: {},
      currentTargetDataset: {},
    });
    expect(app.page.data().last).toBe(2);
    expect(text(draw(app))).toBe('<counter>(T:a|a=2 props.step=2 slots=title|default 2 of a)');
    expect(lines(app).slice(4)).toEqual(['page bumped 2', 'a didUpdate a>a 0>2']);

    // New props: deriveDataFromProps sees them first, didUpdate gets the props and data before.
    await setPageData(app, { label: 'b' });
    expect(text(draw(app))).toBe('<counter>(T:b|b=2 props.step=2 slots=title|default 2 of b)');
    expect(lines(app).slice(6)).toEqual(['a derive b', 'b didUpdate a>b 2>2']);

    // Not drawn any more: unmounted.
    await setPageData(app, { shown: false });
    expect(text(draw(app))).toBe('');
    expect(lines(app).slice(8)).toEqual(['b didUnmount']);
    expect(app.components.list()).toEqual([]);
  });

  it('keeps a keyed instance with its item when the list is reordered', async () => {
    const app = await launch({ distDir: dist, authCodes: () => ({ fail: { error: 11, errorMessage: '' } }) });
    await setPageData(app, { shown: false, keys: ['x', 'y'] });
    draw(app);
    const before = Object.fromEntries(app.components.list().map((c) => [c.props.label, c.id]));
    await setPageData(app, { keys: ['y', 'x', 'z'] });
    draw(app);
    const after = Object.fromEntries(app.components.list().map((c) => [c.props.label, c.id]));
    expect(after.x).toBe(before.x);
    expect(after.y).toBe(before.y);
    expect(lines(app).filter((l) => l.includes('didMount'))).toEqual([
      'x didMount',
      'y didMount',
      'z didMount',
    ]);
    expect(lines(app).some((l) => l.includes('didUnmount'))).toBe(false);
  });

  it('merges mixins under the component’s own options, and $spliceData splices its arrays', async () => {
    const app = await launch({ distDir: dist, authCodes: () => ({ fail: { error: 11, errorMessage: '' } }) });
    await setPageData(app, { shown: false });
    const session = app.components.session(app.page);
    const rendered = renderTxml(
      '<tags/>',
      {},
      { file: 'pages/mixed/index.txml', load: (f) => files[f], components: session },
    );
    session.end();
    expect(text(rendered.nodes)).toBe('<tags>(from mixin|a,b|size=s)');
    expect(lines(app)).toEqual(['mixin onInit', 'own onInit']);
    const [tags] = app.components.list();
    await app.components.dispatch(tags?.id as number, 'insert', {
      type: 'tap',
      targetDataset: {},
      currentTargetDataset: {},
    });
    expect(app.components.list()[0]?.data.items).toEqual(['a', 'x', 'y']);
  });

  it('shows a notice for a component it cannot draw, never nothing', () => {
    const { notices } = renderTxml(
      '<counter/>',
      {},
      { file: 'pages/index/index.txml', load: (f) => files[f] },
    );
    expect(notices).toEqual(['<counter>: a custom component, and this renderer runs no components']);
  });
});

/** Changes the page's data through its own setData, as a handler of the page would. */
async function setPageData(app: LaunchedApp, patch: Record<string, unknown>): Promise<void> {
  await app.page.dispatch('set', { type: 'tap', targetDataset: {}, currentTargetDataset: {}, detail: patch });
}
