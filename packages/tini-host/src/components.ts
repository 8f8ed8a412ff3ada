/**
 * Custom components as Tiki documents them (framework/component/*): `Component({ data, props, methods, onInit,
 * deriveDataFromProps, didMount, didUpdate, didUnmount, ref })`, one instance per place a page's (or another
 * component's) template uses the component, its `on*` props calling the user's handler back.
 *
 * A renderer tells the host which components one draw of a page used (`session(...).use`) and, once the DOM is
 * drawn, ends the session: new instances get didMount, changed ones didUpdate(prevProps, prevData), instances no
 * longer drawn didUnmount. The order follows Tiki's life-cycle page with `componentLifeCycleV2` on: onInit, then
 * deriveDataFromProps, then the first draw, then didMount. `data` and `props` may be functions (as that flag
 * allows). `mixins` merge as Tiki's mixins page shows: their data, props and methods under the component's own,
 * their lifecycle functions called before the component's (the order is the family's; Tiki does not say). Tiki does not say whether a setData inside deriveDataFromProps asks for another didUpdate; here it
 * does not (it is part of the update it derives from): an assumption.
 */
import { applySetData, applySpliceData } from './set-data.ts';

type Fn = (this: unknown, ...args: unknown[]) => unknown;

/** Where a template uses a component, and what it passes. */
export interface ComponentPlace {
  /** Stable across draws for the same place: the renderer's position and tiki:key. */
  identity: string;
  /** The component's path inside the app, without extension (`components/counter/index`). */
  is: string;
  /** Who wrote the tag: the page (undefined) or a component instance's $id. */
  owner: number | undefined;
  /** Evaluated attributes, as the component's props. */
  props: Record<string, unknown>;
  /** `onXxx="handler"` attributes: the prop name, and the owner's handler it calls. */
  callbacks: Record<string, string>;
  /** `ref="handler"`: the owner's handler given the instance (or what the component's `ref()` returns). */
  ref?: string;
}

/** What a renderer needs of an instance to draw its template. */
export interface ComponentView {
  id: number;
  data: Record<string, unknown>;
  props: Record<string, unknown>;
}

export interface ComponentSession {
  use(place: ComponentPlace): ComponentView;
  /** After the DOM is drawn: didMount, didUpdate and didUnmount for this page's components. */
  end(): void;
}

/** One open page, as far as its components are concerned. */
export interface ComponentPage {
  instance: Record<string, unknown>;
}

export interface ComponentHostDeps {
  /** Runs `${is}.js` with `Component` defined; returns what it registered. */
  define(is: string): Record<string, unknown>;
  intoRealm(value: unknown): unknown;
  later(fn: () => void): void;
  track(value: unknown): void;
  onChange(): void;
}

interface Instance {
  id: number;
  is: string;
  identity: string;
  page: ComponentPage;
  options: Record<string, unknown>;
  self: Record<string, unknown>;
  /** What the template last passed (plain values), to see a change of props. */
  given: string;
  /** props and data as of the last didMount/didUpdate, for didUpdate's arguments. */
  committedProps: Record<string, unknown>;
  committedData: Record<string, unknown>;
  mounted: boolean;
  changed: boolean;
  callbacks: Record<string, string>;
  owner: number | undefined;
}

export function componentHost(deps: ComponentHostDeps) {
  const definitions = new Map<string, Record<string, unknown>>();
  const instances = new Map<number, Instance>();
  const byIdentity = new Map<ComponentPage, Map<string, Instance>>();
  let nextId = 1;
  let deriving = false;

  const definitionOf = (is: string) => {
    let options = definitions.get(is);
    if (!options) {
      options = withMixins(deps.define(is));
      definitions.set(is, options);
    }
    return options;
  };

  const call = (self: unknown, fn: unknown, ...args: unknown[]) => {
    if (typeof fn !== 'function') return undefined;
    const result = (fn as Fn).apply(self, args);
    deps.track(result);
    return result;
  };

  /** The function behind an owner's handler name: a page's own, or a component's method. */
  const handlerOf = (page: ComponentPage, owner: number | undefined, name: string) => {
    if (owner === undefined) return { self: page.instance, fn: page.instance[name] };
    const component = instances.get(owner);
    return { self: component?.self, fn: component?.self[name] };
  };

  const snapshot = (value: unknown) => JSON.parse(JSON.stringify(value ?? {})) as Record<string, unknown>;

  const propsOf = (instance: Instance, given: Record<string, unknown>) => {
    const props: Record<string, unknown> = { ...objectOf(instance.options.props) };
    Object.assign(props, deps.intoRealm(given) as object);
    for (const [prop, handler] of Object.entries(instance.callbacks)) {
      props[prop] = (...args: unknown[]) => {
        const { self, fn } = handlerOf(instance.page, instance.owner, handler);
        if (typeof fn !== 'function') {
          throw new Error(`${prop}: the template that uses <${instance.is}> has no handler "${handler}"`);
        }
        return call(self, fn, ...args);
      };
    }
    return props;
  };

  const create = (page: ComponentPage, place: ComponentPlace): Instance => {
    const options = definitionOf(place.is);
    const id = nextId;
    nextId += 1;
    const self: Record<string, unknown> = {};
    const methods = (options.methods ?? {}) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(methods)) self[name] = fn;
    const instance: Instance = {
      id,
      is: place.is,
      identity: place.identity,
      page,
      options,
      self,
      given: JSON.stringify(place.props),
      committedProps: {},
      committedData: {},
      mounted: false,
      changed: false,
      callbacks: place.callbacks,
      owner: place.owner,
    };
    Object.assign(self, {
      data: deps.intoRealm(objectOf(options.data)),
      is: `/${place.is}`,
      $id: id,
      $page: page.instance,
      setData(patch: Record<string, unknown>, callback?: () => void) {
        applySetData(self.data as Record<string, unknown>, deps.intoRealm(patch) as Record<string, unknown>);
        if (!deriving) {
          instance.changed = true;
          deps.onChange();
        }
        if (typeof callback === 'function') deps.later(callback);
      },
      $spliceData(patch: Record<string, unknown>, callback?: () => void) {
        applySpliceData(
          self.data as Record<string, unknown>,
          deps.intoRealm(patch) as Record<string, unknown>,
        );
        if (!deriving) {
          instance.changed = true;
          deps.onChange();
        }
        if (typeof callback === 'function') deps.later(callback);
      },
    });
    self.props = propsOf(instance, place.props);
    instances.set(id, instance);
    call(self, options.onInit);
    derive(instance, self.props);
    if (place.ref !== undefined) {
      const { self: owner, fn } = handlerOf(page, place.owner, place.ref);
      const ref = typeof options.ref === 'function' ? call(self, options.ref) : self;
      call(owner, fn, ref);
    }
    return instance;
  };

  const derive = (instance: Instance, nextProps: unknown) => {
    deriving = true;
    try {
      call(instance.self, instance.options.deriveDataFromProps, nextProps);
    } finally {
      deriving = false;
    }
  };

  const unmount = (instance: Instance) => {
    instances.delete(instance.id);
    byIdentity.get(instance.page)?.delete(instance.identity);
    if (instance.mounted) call(instance.self, instance.options.didUnmount);
  };

  return {
    session(page: ComponentPage): ComponentSession {
      let placed = byIdentity.get(page);
      if (!placed) {
        placed = new Map();
        byIdentity.set(page, placed);
      }
      const known = placed;
      const used = new Set<Instance>();
      return {
        use(place) {
          let instance = known.get(place.identity);
          if (instance && instance.is !== place.is) {
            unmount(instance);
            instance = undefined;
          }
          if (!instance) {
            instance = create(page, place);
            known.set(place.identity, instance);
          } else {
            instance.callbacks = place.callbacks;
            const given = JSON.stringify(place.props);
            if (given !== instance.given) {
              instance.given = given;
              const next = propsOf(instance, place.props);
              derive(instance, next);
              instance.self.props = next;
              instance.changed = true;
            }
          }
          used.add(instance);
          return {
            id: instance.id,
            data: instance.self.data as Record<string, unknown>,
            props: instance.self.props as Record<string, unknown>,
          };
        },
        end() {
          for (const instance of [...known.values()]) if (!used.has(instance)) unmount(instance);
          for (const instance of used) {
            if (!instance.mounted) {
              instance.mounted = true;
              instance.changed = false;
              call(instance.self, instance.options.didMount);
            } else if (instance.changed) {
              instance.changed = false;
              call(
                instance.self,
                instance.options.didUpdate,
                instance.committedProps,
                instance.committedData,
              );
            }
            instance.committedProps = snapshot(instance.self.props);
            instance.committedData = snapshot(instance.self.data);
          }
        },
      };
    },
    /** A page closed (navigateBack, redirectTo): its components unmount with it. */
    closePage(page: ComponentPage): void {
      for (const instance of [...(byIdentity.get(page)?.values() ?? [])]) unmount(instance);
      byIdentity.delete(page);
    },
    /** Calls a method of a component instance, as an event in its template does. */
    method(id: number, name: string): { self: Record<string, unknown>; fn: unknown } {
      const instance = instances.get(id);
      if (!instance) throw new Error(`No component instance ${id} is mounted`);
      return { self: instance.self, fn: instance.self[name] };
    },
    /** Every mounted instance: for tests and the curious. */
    list(): { id: number; is: string; data: Record<string, unknown>; props: Record<string, unknown> }[] {
      return [...instances.values()].map((i) => ({
        id: i.id,
        is: i.is,
        data: snapshot(i.self.data),
        props: snapshot(i.self.props),
      }));
    },
  };
}

export type ComponentHost = ReturnType<typeof componentHost>;

/** `data` or `props` as an object: `componentLifeCycleV2` lets a component give either as a function. */
function objectOf(value: unknown): Record<string, unknown> {
  return (typeof value === 'function' ? (value as Fn).call(undefined) : (value ?? {})) as Record<
    string,
    unknown
  >;
}

const LIFECYCLE = ['onInit', 'deriveDataFromProps', 'didMount', 'didUpdate', 'didUnmount', 'onError'];

/** A component's options with its mixins (and theirs) merged in: data, props and methods, lifecycles chained. */
function withMixins(options: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const mixins = options.mixins;
  if (!Array.isArray(mixins) || mixins.length === 0) return options;
  if (depth > 8) throw new Error('Component mixins nest deeper than 8');
  const parts = [...mixins.map((m) => withMixins(m as Record<string, unknown>, depth + 1)), options];
  const merged: Record<string, unknown> = { ...options };
  delete merged.mixins;
  merged.data = () => Object.assign({}, ...parts.map((p) => objectOf(p.data)));
  merged.props = () => Object.assign({}, ...parts.map((p) => objectOf(p.props)));
  merged.methods = Object.assign({}, ...parts.map((p) => p.methods ?? {}));
  for (const name of LIFECYCLE) {
    const chain = parts.map((p) => p[name]).filter((fn): fn is Fn => typeof fn === 'function');
    if (chain.length > 0) {
      merged[name] = function (this: unknown, ...args: unknown[]) {
        let last: unknown;
        for (const fn of chain) last = fn.apply(this, args);
        return last;
      };
    }
  }
  return merged;
}
