/**
 * Every page listed in app.json, checked statically against its built JavaScript: the handlers its .txml
 * names exist on the page object, and every {{ }} binding starts from a key of the page's data.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPageDefinition } from '@tini-starter/tini-host/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMiniapp } from '../../build.mjs';
import { checkTxml, rootIdentifiers } from '../testing/txml-check.ts';

const pages = (
  JSON.parse(readFileSync(new URL('../app.json', import.meta.url), 'utf8')) as { pages: string[] }
).pages;
let distDir: string;

beforeAll(async () => {
  distDir = mkdtempSync(path.join(tmpdir(), 'miniapp-pages-'));
  await buildMiniapp({ outDir: distDir, quiet: true });
});

afterAll(() => {
  rmSync(distDir, { recursive: true, force: true });
});

describe.each(pages)('page %s', (route) => {
  it('names only handlers the page defines and binds only keys of its data', () => {
    const txml = readFileSync(path.join(distDir, `${route}.txml`), 'utf8');
    const page = readPageDefinition(distDir, route);
    expect(checkTxml(txml, page)).toEqual([]);
    expect(page.methods.size).toBeGreaterThan(0);
  });
});

describe('the template check itself', () => {
  const page = { data: { user: { name: 'A' }, list: [], flag: true }, methods: new Set(['onGo']) };

  it('reports a handler the page lacks and a binding outside data', () => {
    const txml =
      '<view onTap="onMissing"><text>{{user.name}} {{ghost.name}}</text><button onTap="onGo"/></view>';
    expect(checkTxml(txml, page)).toEqual([
      '<view onTap="onMissing">: the page has no such handler',
      'text: {{ghost.name}} uses "ghost", which is not in data',
    ]);
  });

  it('knows tiki:for items (default and renamed) only inside the loop, and imported SJS modules', () => {
    const ok =
      '<import-sjs from="./f.sjs" name="fmt"/>' +
      '<view tiki:for="{{list}}"><text>{{index}}: {{fmt.upper(item.title)}}</text></view>' +
      '<view tiki:for="{{list}}" tiki:for-item="row" tiki:for-index="i"><text>{{i}} {{row}}</text></view>';
    expect(checkTxml(ok, page)).toEqual([]);
    expect(checkTxml('<view tiki:for="{{list}}"></view><text>{{item}}</text>', page)).toEqual([
      'text: {{item}} uses "item", which is not in data',
    ]);
  });

  it('reads roots of expressions, ignoring members, strings, numbers and keywords', () => {
    expect(rootIdentifiers("flag ? user.name : 'guest' + list[0].x + 1e5 + null")).toEqual([
      'flag',
      'user',
      'list',
    ]);
    expect(rootIdentifiers("error.action !== 'none'")).toEqual(['error']);
  });
});
