/**
 * `setData` as a Tini host applies it: each key is a path ('user.name', 'list[1]', 'list[1].title') into
 * `data`; missing objects and arrays on the way are created, nothing else is touched.
 */
export function applySetData(data: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const key of Object.keys(patch)) {
    const segments = parsePath(key);
    let target: Record<string | number, unknown> = data;
    for (let i = 0; i < segments.length - 1; i += 1) {
      const segment = segments[i] as string | number;
      const next = segments[i + 1];
      let child = target[segment];
      if (typeof child !== 'object' || child === null) {
        child = typeof next === 'number' ? [] : {};
        target[segment] = child;
      }
      target = child as Record<string | number, unknown>;
    }
    target[segments[segments.length - 1] as string | number] = patch[key];
  }
}

const PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*$/;

/** 'a.b[2].c' -> ['a', 'b', 2, 'c']; throws on paths a host would reject. */
export function parsePath(path: string): (string | number)[] {
  if (!PATH.test(path)) throw new TypeError(`setData: "${path}" is not a data path`);
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
}

/**
 * `$spliceData` as Tiki's components (and recycle-view's example) use it: each key is a data path to an array,
 * each value `[start, deleteCount, ...items]`, applied as Array.prototype.splice. A path that holds no array
 * gets one.
 */
export function applySpliceData(data: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, args] of Object.entries(patch)) {
    if (!Array.isArray(args) || typeof args[0] !== 'number') {
      throw new TypeError(`$spliceData: "${key}" needs [start, deleteCount, ...items]`);
    }
    const segments = parsePath(key);
    let target: Record<string | number, unknown> = data;
    for (const segment of segments.slice(0, -1)) {
      if (typeof target[segment] !== 'object' || target[segment] === null) target[segment] = {};
      target = target[segment] as Record<string | number, unknown>;
    }
    const last = segments[segments.length - 1] as string | number;
    if (!Array.isArray(target[last])) target[last] = [];
    const [start, deleteCount = 0, ...items] = args as [number, number?, ...unknown[]];
    (target[last] as unknown[]).splice(start, deleteCount, ...items);
  }
}
