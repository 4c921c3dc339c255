// A JavaScript host for the supervisord provider component, through jco.
//
// `load()` imports the transpiled component (run `npm run transpile`
// first) and returns its functions taking and returning canonical JSON:
// records keyed by WIT field names (kebab-case), variants and results as
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

/** Functions whose WIT result is `result<T, error>`. */
const FALLIBLE = new Set(['probes', 'install-plan', 'config-map', 'check-programs', 'configure-plan', 'service-plan']);

/** An error the provider returned: a typed WIT `error` record. */
export class ProviderError extends Error {
  constructor(error) {
    super(`${error.field}: ${error.message}`);
    this.field = error.field;
    this.kind = error.kind;
  }
}

/**
 * Loads the provider. `call(name, args)` returns canonical JSON: results
 * as {tag: "ok"|"err", val}; `invoke(name, args)` returns the ok value and
 * throws ProviderError for an err.
 */
export async function load(modulePath = './generated/supervisord/supervisord.js') {
  const { supervisionProvider } = await import(modulePath);
  const call = (name, args) => {
    const fn = supervisionProvider[toCamel(name)];
    if (!fn) throw new Error(`the provider has no function ${name}`);
    const jcoArgs = args.map(toJco);
    if (!FALLIBLE.has(name)) return fromJco(fn(...jcoArgs));
    try {
      const ok = fn(...jcoArgs);
      return ok === undefined ? { tag: 'ok' } : { tag: 'ok', val: fromJco(ok) };
    } catch (e) {
      if (e && e.payload !== undefined) return { tag: 'err', val: fromJco(e.payload) };
      throw e;
    }
  };
  const invoke = (name, args) => {
    const result = call(name, args);
    if (!FALLIBLE.has(name)) return result;
    if (result.tag === 'err') throw new ProviderError(result.val);
    return result.val ?? null;
  };
  return { call, invoke };
}
