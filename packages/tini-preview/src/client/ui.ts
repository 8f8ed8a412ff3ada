/**
 * What the host draws over a page: the action sheet, toasts, `my.alert` and `my.confirm`. User-facing, so in
 * Vietnamese where the app gave no text of its own.
 */

export function actionSheet(screen: HTMLElement, items: string[], title: string): Promise<number | null> {
  return new Promise((resolve) => {
    const overlay = el('tini-overlay');
    const sheet = el('tini-sheet');
    sheet.setAttribute('role', 'dialog');
    if (title) sheet.append(el('tini-sheet-title', title));
    const close = (index: number | null) => {
      overlay.remove();
      resolve(index);
    };
    items.forEach((item, index) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'tini-sheet-item';
      button.textContent = item;
      button.addEventListener('click', () => close(index));
      sheet.append(button);
    });
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'tini-sheet-item tini-sheet-cancel';
    cancel.textContent = 'Đóng';
    cancel.addEventListener('click', () => close(null));
    sheet.append(cancel);
    overlay.addEventListener('click', (event) => {
      if (event.target === overlay) close(null);
    });
    overlay.append(sheet);
    screen.append(overlay);
  });
}

export function toast(screen: HTMLElement, options: Record<string, unknown>): void {
  const box = el('tini-toast', typeof options.content === 'string' ? options.content : '');
  box.setAttribute('role', 'status');
  if (typeof options.type === 'string') box.setAttribute('data-type', options.type);
  screen.append(box);
  const duration = typeof options.duration === 'number' ? options.duration : 2000;
  setTimeout(() => box.remove(), duration);
}

export function dialog(
  screen: HTMLElement,
  title: string,
  content: string,
  withCancel: boolean,
): Promise<boolean> {
  return new Promise((resolve) => {
    const overlay = el('tini-overlay');
    const box = el('tini-dialog');
    box.setAttribute('role', 'dialog');
    if (title) box.append(el('tini-dialog-title', title));
    if (content) box.append(el('tini-dialog-content', content));
    const buttons = el('tini-dialog-buttons');
    const add = (label: string, answer: boolean) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = label;
      button.addEventListener('click', () => {
        overlay.remove();
        resolve(answer);
      });
      buttons.append(button);
    };
    if (withCancel) add('Hủy', false);
    add(withCancel ? 'Xác nhận' : 'Đóng', true);
    box.append(buttons);
    overlay.append(box);
    screen.append(overlay);
  });
}

function el(tag: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}
