// Query-string encoding of one argument, decided once per operation. `qs` handles every
// option Mesh's loader may write (nested objects, index formats, custom encoders), but
// it is general and allocates for that on every call. Most parameters are a scalar or a
// list of scalars with plain options; for those a precompiled encoder produces exactly
// qs's output (RFC 3986 percent-encoding, `repeat` and `comma` list formats) without
// it. Anything else — and any value of an unexpected shape — goes through qs. Values
// are checked first (compileQueryValueCheck): what a query may not carry is refused.
import qs from 'qs';
import { TributaryError } from '../../errors.ts';

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

/**
 * A check of one argument's value before it is written into the query, decided once per
 * operation like the encoder. Percent-encoding makes any text safe on the wire, but not
 * for the service: a control character (CR, LF, NUL, …) that it decodes may end up in a
 * log line, a header or a C string, and a lone surrogate cannot be encoded at all
 * (encodeURIComponent throws). And for a list written non-exploded — Mesh's loader maps
 * OpenAPI `style: form|simple, explode: false` to qs's `comma` format (OpenAPI 3.1
 * §4.8.12.4) — an element holding the delimiter would be read by the service as two
 * elements. Each is refused as BAD_USER_INPUT naming the argument; nothing is sent.
 */
export type QueryValueCheck = (value: unknown) => void;

/** The delimiter a non-exploded list is joined with, by qs `arrayFormat`. */
const LIST_DELIMITERS: Readonly<Record<string, string>> = { comma: ',' };

export function compileQueryValueCheck(argName: string, options: qs.IStringifyOptions): QueryValueCheck {
  const delimiter = options.arrayFormat === undefined ? undefined : LIST_DELIMITERS[options.arrayFormat];
  const refuse = (why: string): never => {
    throw new TributaryError('BAD_USER_INPUT', `Argument "${argName}" ${why}`, { extensions: { argumentName: argName } });
  };
  const checkText = (text: string): void => {
    if (UNSAFE_TEXT.test(text)) refuse('may not contain control characters (such as CR, LF or NUL).');
    if (LONE_SURROGATE.test(text)) refuse('is not valid Unicode text.');
  };
  // Input objects go through qs as nested keys: their keys are written too. Depth is
  // bounded by the GraphQL document, which the operation limits already bound.
  const checkValue = (value: unknown): void => {
    if (typeof value === 'string') checkText(value);
    else if (Array.isArray(value)) for (const item of value) checkValue(item);
    else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      for (const [key, item] of Object.entries(value)) {
        checkText(key);
        checkValue(item);
      }
    }
  };
  return (value) => {
    checkValue(value);
    if (delimiter === undefined || !Array.isArray(value)) return;
    for (const item of value) {
      if (typeof item === 'string' && item.includes(delimiter)) {
        refuse(`may not hold "${item}": its elements are sent joined with "${delimiter}", and an element may not contain it.`);
      }
    }
  };
}

const UNSAFE_TEXT = /\p{Cc}/u;
/** A UTF-16 surrogate without its pair: no UTF-8 encoding exists for it (String#isWellFormed is ES2024). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
