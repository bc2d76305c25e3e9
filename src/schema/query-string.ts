// Query-string encoding of one argument, decided once per operation. `qs` handles every
// option Mesh's loader may write (nested objects, index formats, custom encoders), but
// it is general and allocates for that on every call. Most parameters are a scalar or a
// list of scalars with plain options; for those a precompiled encoder produces exactly
// qs's output (RFC 3986 percent-encoding, `repeat` and `comma` list formats) without
// it. Anything else — and any value of an unexpected shape — goes through qs.
import qs from 'qs';

export type ParamEncoder = (value: unknown) => string;

/** Options that do not change how a scalar or a list of scalars is written. */
const PLAIN_OPTION_KEYS = new Set(['indices', 'arrayFormat', 'destructObject', 'jsonStringify']);

/** qs's RFC 3986 encoding: encodeURIComponent, plus `!'()*`, which it leaves alone. */
function encodeRfc3986(text: string): string {
  const encoded = encodeURIComponent(text);
  return /[!'()*]/.test(encoded) ? encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : encoded;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * An encoder for `param` with qs options `options`, equivalent to
 * `qs.stringify({ [param]: value }, options)`.
 */
export function compileParamEncoder(param: string, options: qs.IStringifyOptions): ParamEncoder {
  const viaQs: ParamEncoder = (value) => qs.stringify({ [param]: value }, options);
  if (!Object.keys(options).every((k) => PLAIN_OPTION_KEYS.has(k))) return viaQs;
  const key = encodeRfc3986(param);
  const format = options.arrayFormat ?? (options.indices === false ? 'repeat' : 'indices');
  return (value) => {
    if (isScalar(value)) return `${key}=${encodeRfc3986(String(value))}`;
    if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar)) return viaQs(value);
    if (format === 'repeat') {
      let out = '';
      for (const item of value) out += `${out ? '&' : ''}${key}=${encodeRfc3986(String(item))}`;
      return out;
    }
    if (format === 'comma') return `${key}=${encodeRfc3986(value.join(','))}`;
    return viaQs(value);
  };
}
