import { describe, expect, it } from 'vitest';
import { renderTxml, resolvePath, type VElement, type VNode } from './render.ts';

const ctx = { file: 'pages/index/index.txml' };

/** The tree as short text: `tag.class[data]{events}(children)`, text as "..." and notices as !...!. */
function show(nodes: VNode[]): string {
  return nodes
    .map((n) => {
      if (n.kind === 'text') return JSON.stringify(n.text);
      if (n.kind === 'notice') return `!${n.text}!`;
      const e = n as VElement;
      const props = Object.keys(e.props).length ? JSON.stringify(e.props) : '';
      const data = Object.keys(e.dataset).length ? JSON.stringify(e.dataset) : '';
      const events = e.events.map((v) => `${v.stops ? 'catch' : 'on'}:${v.type}=${v.handler}`).join(',');
      const key = e.key === undefined ? '' : `#${e.key}`;
      return `${e.tag}${key}${props}${data}${events ? `{${events}}` : ''}(${show(e.children)})`;
    })
    .join(' ');
}

describe('the TXML renderer', () => {
  it('chooses one branch of tiki:if / tiki:elif / tiki:else', () => {
    const txml = `<view tiki:if="{{n > 1}}">many</view><view tiki:elif="{{n === 1}}">one</view><view tiki:else>none</view>`;
    expect(show(renderTxml(txml, { n: 2 }, ctx).nodes)).toBe('view("many")');
    expect(show(renderTxml(txml, { n: 1 }, ctx).nodes)).toBe('view("one")');
    expect(show(renderTxml(txml, { n: 0 }, ctx).nodes)).toBe('view("none")');
  });

  it('repeats tiki:for with its item, index and key names, the condition read per item', () => {
    const txml = `<text tiki:for="{{list}}" tiki:for-item="p" tiki:for-index="i" tiki:key="id" tiki:if="{{p.on}}">{{i}}:{{p.name}}</text>`;
    const list = [
      { id: 'a', name: 'An', on: true },
      { id: 'b', name: 'Bình', on: false },
      { id: 'c', name: 'Chi', on: true },
    ];
    expect(show(renderTxml(txml, { list }, ctx).nodes)).toBe('text#a("0:An") text#c("2:Chi")');
    expect(show(renderTxml('<text tiki:for="{{3}}">{{item}}</text>', {}, ctx).nodes)).toBe(
      'text("0") text("1") text("2")',
    );
  });

  it('keeps a lone binding’s type, joins mixed text, and shows a missing name as nothing', () => {
    const txml = `<button disabled="{{!ok}}" class="b {{kind}}" size="small">Hi {{who.name}}{{nobody}}</button>`;
    expect(show(renderTxml(txml, { ok: false, kind: 'solid', who: { name: 'Ti Ni' } }, ctx).nodes)).toBe(
      'button{"disabled":true,"class":"b solid","size":"small"}("Hi Ti Ni")',
    );
  });

  it('collects on*/catch* handlers and data-* values (camelCased, typed)', () => {
    const txml = `<view onTap="outer"><button data-product-id="{{7}}" data-name="x" catchTap="inner">+</button></view>`;
    expect(show(renderTxml(txml, {}, ctx).nodes)).toBe(
      'view{on:tap=outer}(button{"productId":7,"name":"x"}{catch:tap=inner}("+"))',
    );
  });

  it('shows a notice, where it was, for every tag, attribute, event or directive it does not know', () => {
    const txml = `<view><map longitude="1"/><view colour="red" onSwipe="s" tiki:show="{{x}}">ok</view><text>{{a.b.c}}</text><view tiki:else>x</view></view>`;
    const { nodes, notices } = renderTxml(txml, {}, ctx);
    expect(notices).toEqual([
      '<map>: the preview does not render this tag',
      '<view colour>: the preview does not know this attribute',
      '<view onSwipe>: the preview does not deliver "swipe" events',
      '<view tiki:show>: the preview does not know this directive',
      "{{a.b.c}}: Cannot read properties of undefined (reading 'b')",
      '<view tiki:else> follows no tiki:if',
    ]);
    expect(show(nodes)).toContain('!<map>: the preview does not render this tag!');
  });

  it('draws <template is> with its data, from the same file or an <import>, and <include>s a file', () => {
    const files: Record<string, string> = {
      'templates/card.txml': '<template name="card"><view class="card">{{title}} #{{n}}</view></template>',
      'pages/index/footer.txml': '<template name="unused"><view/></template><text>{{footer}}</text>',
    };
    const txml = `<import src="/templates/card"/>
      <template name="line"><text>{{label}}</text></template>
      <template is="card" data="{{...item, n: 2}}"/>
      <template is="line" data="{{label: 'x'}}"/>
      <include src="./footer.txml"/>
      <template is="nope"/>`;
    const { nodes, notices } = renderTxml(
      txml,
      { item: { title: 'T' }, footer: 'F' },
      { ...ctx, load: (file) => files[file] },
    );
    expect(show(nodes)).toBe(
      'view{"class":"card"}("T #2") text("x") text("F") !<template is="nope">: no template of that name!',
    );
    expect(notices).toHaveLength(1);
  });

  it('resolves paths as the family does: relative to the file, or from the root', () => {
    expect(resolvePath('pages/a/index.txml', './x.txml')).toBe('pages/a/x.txml');
    expect(resolvePath('pages/a/index.txml', '../../t/x.txml')).toBe('t/x.txml');
    expect(resolvePath('pages/a/index.txml', '/t/x.txml')).toBe('t/x.txml');
  });
});
