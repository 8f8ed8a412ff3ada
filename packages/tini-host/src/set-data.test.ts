import { describe, expect, it } from 'vitest';
import { applySetData, applySpliceData, parsePath } from './set-data.ts';

describe('setData paths', () => {
  it('replaces a top-level key and leaves the others', () => {
    const data: Record<string, unknown> = { a: 1, b: { c: 2 } };
    applySetData(data, { a: 3 });
    expect(data).toEqual({ a: 3, b: { c: 2 } });
  });

  it('writes a nested key without replacing its siblings', () => {
    const data: Record<string, unknown> = { user: { name: 'A', id: 1 } };
    applySetData(data, { 'user.name': 'Ti Ni' });
    expect(data).toEqual({ user: { name: 'Ti Ni', id: 1 } });
  });

  it('writes an array element and a field of an element', () => {
    const data: Record<string, unknown> = { list: ['x', { title: 'a', n: 1 }] };
    applySetData(data, { 'list[0]': 'y', 'list[1].title': 'b' });
    expect(data).toEqual({ list: ['y', { title: 'b', n: 1 }] });
  });

  it('creates missing objects and arrays on the way', () => {
    const data: Record<string, unknown> = {};
    applySetData(data, { 'a.b[1].c': true });
    expect(data).toEqual({ a: { b: [undefined, { c: true }] } });
  });

  it('rejects paths a host would not accept', () => {
    expect(parsePath('a.b[10].c')).toEqual(['a', 'b', 10, 'c']);
    expect(() => parsePath('a..b')).toThrow(TypeError);
    expect(() => parsePath('a[x]')).toThrow(TypeError);
    expect(() => parsePath('')).toThrow(TypeError);
  });
});

describe('$spliceData', () => {
  it('splices the array at each path, creating one where there is none', () => {
    const data: Record<string, unknown> = { list: ['a', 'b', 'c'], box: { more: [1] } };
    applySpliceData(data, { list: [1, 1, 'x', 'y'], 'box.more': [1, 0, 2], fresh: [0, 0, 'z'] });
    expect(data).toEqual({ list: ['a', 'x', 'y', 'c'], box: { more: [1, 2] }, fresh: ['z'] });
  });

  it('refuses a value that is not [start, deleteCount, ...items]', () => {
    expect(() => applySpliceData({}, { list: 'x' })).toThrow(
      '$spliceData: "list" needs [start, deleteCount, ...items]',
    );
  });
});
