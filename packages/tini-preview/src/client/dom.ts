/**
 * The renderer's tree as DOM. Tags keep their Tini names (`<view>`, `<text>`, `<scroll-view>`), so a TCSS
 * selector such as `view` or `.card text` matches as it does in Studio; `button` and `input` are the browser's
 * own. Events and `data-*` travel as two attributes, read back by the delegated listeners in main.ts.
 */
import type { VElement, VNode } from '../template/render.ts';
import { toCss } from '../template/tcss.ts';

export const EVENTS_ATTRIBUTE = 'data-tini-on';
export const DATASET_ATTRIBUTE = 'data-tini-dataset';

/** `src` of an image, relative to the file it is written in, as the preview server serves the app's files. */
export type ResolveSrc = (src: string) => string;

export function toDom(nodes: VNode[], resolveSrc: ResolveSrc): Node[] {
  return nodes.map((node) => {
    if (node.kind === 'text') return document.createTextNode(node.text);
    if (node.kind === 'notice') {
      const notice = document.createElement('tini-notice');
      notice.textContent = `Preview: ${node.text}`;
      return notice;
    }
    if (node.kind === 'component') {
      // No box of its own (Tiki's components draw their template in place): display: contents in the shell.
      const host = document.createElement('tini-component');
      host.setAttribute('data-tag', node.tag);
      host.setAttribute('data-is', node.is);
      host.setAttribute('data-tini-id', String(node.id));
      host.append(...toDom(node.children, resolveSrc));
      return host;
    }
    return element(node, resolveSrc);
  });
}

function element(v: VElement, resolveSrc: ResolveSrc): HTMLElement {
  const el = document.createElement(v.tag);
  const { props } = v;
  if (typeof props.class === 'string' && props.class.trim() !== '')
    el.setAttribute('class', props.class.trim());
  if (typeof props.style === 'string' && props.style !== '')
    el.setAttribute(
      'style',
      toCss(props.style, '', () => undefined),
    );
  if (typeof props.id === 'string' && props.id !== '') el.id = props.id;
  if (isOn(props.hidden)) el.hidden = true;
  if (v.key !== undefined) el.setAttribute('data-tini-key', v.key);
  if (v.events.length > 0) el.setAttribute(EVENTS_ATTRIBUTE, JSON.stringify(v.events));
  el.setAttribute(DATASET_ATTRIBUTE, JSON.stringify(v.dataset));
  switch (v.tag) {
    case 'button': {
      const button = el as HTMLButtonElement;
      button.type = 'button';
      button.setAttribute('data-type', text(props.type) || 'default');
      button.setAttribute('data-size', text(props.size) || 'medium');
      if (props.shape !== undefined) button.setAttribute('data-shape', text(props.shape));
      button.disabled = isOn(props.disabled) || isOn(props.loading);
      if (isOn(props.loading)) button.setAttribute('data-loading', '');
      break;
    }
    case 'input': {
      const input = el as HTMLInputElement;
      const type = text(props.type);
      input.type = isOn(props.password)
        ? 'password'
        : type === 'number' || type === 'digit'
          ? 'number'
          : 'text';
      input.value = text(props.value);
      input.setAttribute('value', text(props.value));
      if (props.placeholder !== undefined) input.placeholder = text(props.placeholder);
      if (isOn(props.disabled)) input.disabled = true;
      if (props.maxlength !== undefined) input.maxLength = Number(props.maxlength);
      return input;
    }
    case 'image': {
      const img = document.createElement('img');
      img.src = props.src === undefined ? '' : resolveSrc(text(props.src));
      img.alt = '';
      el.setAttribute('data-mode', text(props.mode) || 'scaleToFill');
      el.append(img);
      return el;
    }
    case 'icon': {
      el.setAttribute('data-type', text(props.type));
      const size = props.size === undefined ? 23 : Number(props.size);
      el.style.setProperty('--tini-icon-size', `${size}px`);
      if (props.color !== undefined) el.style.setProperty('--tini-icon-color', text(props.color));
      break;
    }
    case 'scroll-view':
      if (isOn(props['scroll-x'])) el.setAttribute('data-scroll-x', '');
      if (isOn(props['scroll-y'])) el.setAttribute('data-scroll-y', '');
      break;
  }
  el.append(...toDom(v.children, resolveSrc));
  return el;
}

function isOn(value: unknown): boolean {
  return (
    value === true ||
    (value !== false && value !== undefined && value !== null && value !== '' && value !== 'false')
  );
}

function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}
