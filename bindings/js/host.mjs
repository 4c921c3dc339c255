// A JavaScript host for the supervisord-crate components, through jco.
//
// `load(name)` imports a transpiled component (`npm run transpile` first)
// and returns its functions taking and returning canonical JSON: records
// keyed by WIT field names (kebab-case), variants and results as
// {tag, val}, options as null or the value: the form `supd call` prints.

const toCamel = (key) => key.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const toKebab = (key) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Canonical JSON -> the values jco's bindings take. */
export function toJco(value) {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(toJco);
  if (typeof value === 'object') {
    if (typeof value.tag === 'string') {
      return 'val' in value ? { tag: value.tag, val: toJco(value.val) } : { tag: value.tag };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toCamel(k), toJco(v)]));
  }
  return value;
}

/** jco's values -> canonical JSON. */
export function fromJco(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromJco);
  // list<u8>, list<u32>, ... come back as typed arrays.
  if (ArrayBuffer.isView(value)) return Array.from(value, fromJco);
  if (typeof value === 'object') {
    if (typeof value.tag === 'string' && Object.keys(value).every((k) => k === 'tag' || k === 'val')) {
      return value.val === undefined ? { tag: value.tag } : { tag: value.tag, val: fromJco(value.val) };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toKebab(k), fromJco(v)]));
  }
  return value;
}

/** Canonical JSON text: keys sorted, no whitespace. */
export function canonical(value) {
  const sort = (v) => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])]));
    }
    return v;
  };
  return JSON.stringify(sort(value));
}

/** Each component: its exported interface (as jco names it) and the
 * functions whose WIT result is `result<T, error>`. */
const COMPONENTS = {
  supervisord: {
    exported: 'supervisionProvider',
    fallible: [
      'probes',
      'install-plan',
      'config-map',
      'facility-program',
      'check-programs',
      'configure-plan',
      'service-plan',
    ],
  },
  'node-script': { exported: 'nodeScript', fallible: ['requests', 'programs', 'parse-facts', 'apply-script'] },
  'app-deploy': { exported: 'configMapper', fallible: ['config-map'] },
};

/** An error a component returned: a typed WIT `error` record. */
export class ProviderError extends Error {
  constructor(error) {
    super(error.field ? `${error.field}: ${error.message}` : error.message);
    this.field = error.field;
    this.kind = error.kind;
    /** The component's error record, as canonical JSON. */
    this.error = error;
  }
}

/**
 * Loads a transpiled component (`supervisord`, `node-script` or
 * `app-deploy`). `call(name, args)` returns canonical JSON, results as
 * {tag: "ok"|"err", val}; `invoke(name, args)` returns the ok value and
 * throws ProviderError for an err.
 */
export async function load(name = 'supervisord', dir = './generated') {
  const { exported, fallible } = COMPONENTS[name];
  const module = await import(`${dir}/${name}/${name}.js`);
  const functions = module[exported];
  const call = (fn, args) => {
    const f = functions[toCamel(fn)];
    if (!f) throw new Error(`${name} has no function ${fn}`);
    const jcoArgs = args.map(toJco);
    if (!fallible.includes(fn)) return fromJco(f(...jcoArgs));
    try {
      const ok = f(...jcoArgs);
      return ok === undefined ? { tag: 'ok' } : { tag: 'ok', val: fromJco(ok) };
    } catch (e) {
      if (e && e.payload !== undefined) return { tag: 'err', val: fromJco(e.payload) };
      throw e;
    }
  };
  const invoke = (fn, args) => {
    const result = call(fn, args);
    if (!fallible.includes(fn)) return result;
    if (result.tag === 'err') throw new ProviderError(result.val);
    return result.val ?? null;
  };
  return { call, invoke };
}
