/**
 * The XML section of an E57 file (ASTM E2807 §8) as a typed element tree. Each element's `type`
 * attribute says what it is; terminal elements carry their value as text, with the standard's
 * defaults when the text is empty (0 for numbers, "" for strings; Integer bounds default to the
 * int64 range, Float precision to double).
 *
 * XML well-formedness is checked by fast-xml-parser's validator before parsing.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { e57Error } from './e57-paged';

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
const FLT_MAX = 3.4028234663852886e38;
const DBL_MAX = Number.MAX_VALUE;

interface Base {
  /** Element name as written, including any namespace prefix (e.g. `nor:normalX`). */
  name: string;
}
export interface E57Structure extends Base {
  type: 'Structure';
  children: E57Element[];
}
export interface E57Vector extends Base {
  type: 'Vector';
  children: E57Element[];
}
export interface E57CompressedVector extends Base {
  type: 'CompressedVector';
  /** Physical offset of the binary section, as the XML gives it. */
  fileOffset: number;
  recordCount: number;
  prototype: E57Element | undefined;
  codecs: E57Element | undefined;
}
export interface E57Integer extends Base {
  type: 'Integer';
  value: bigint;
  minimum: bigint;
  maximum: bigint;
}
export interface E57ScaledInteger extends Base {
  type: 'ScaledInteger';
  /** The raw (unscaled) value. */
  value: bigint;
  minimum: bigint;
  maximum: bigint;
  scale: number;
  offset: number;
}
export interface E57Float extends Base {
  type: 'Float';
  value: number;
  precision: 'single' | 'double';
  minimum: number;
  maximum: number;
}
export interface E57String extends Base {
  type: 'String';
  value: string;
}
export interface E57Blob extends Base {
  type: 'Blob';
  fileOffset: number;
  length: number;
}
export type E57Element = E57Structure | E57Vector | E57CompressedVector | E57Integer | E57ScaledInteger | E57Float | E57String | E57Blob;
export type E57Terminal = E57Integer | E57ScaledInteger | E57Float | E57String;

/** fast-xml-parser's `preserveOrder` output: one tag key whose value is the children, plus `:@` attributes. */
type OrderedNode = Record<string, unknown>;

const MAX_DEPTH = 64;
const NAME_PREFIX = '~';
const prefixName = (name: string): string => (name.startsWith(NAME_PREFIX) ? name : NAME_PREFIX + name);

export function parseE57Xml(text: string, sectionOffset: number): E57Structure {
  const fail = (reason: string) => e57Error('BAD_VALUE', sectionOffset, `XML section: ${reason}`);
  let validation: ReturnType<typeof XMLValidator.validate>;
  try {
    validation = XMLValidator.validate(text);
  } catch (err) {
    throw fail(err instanceof Error ? err.message : String(err));
  }
  if (validation !== true) {
    throw fail(`not well-formed XML (line ${validation.err.line}, column ${validation.err.col}: ${validation.err.msg})`);
  }
  let parsed: unknown;
  try {
    const parser = new XMLParser({
      preserveOrder: true,
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: true,
      ignoreDeclaration: true,
      ignorePiTags: true,
      maxNestedTags: MAX_DEPTH,
      // E57 requires element names such as `prototype` that fast-xml-parser refuses as object keys
      // (prototype-pollution guard); prefixing every name keeps the guard and our names intact.
      // `~` cannot start an XML name, and the prefix is added only once because fast-xml-parser
      // 5.x applies the transform twice to self-closing tags.
      transformTagName: prefixName,
      transformAttributeName: prefixName,
    });
    parsed = parser.parse(text);
  } catch (err) {
    throw fail(err instanceof Error ? err.message : String(err));
  }
  if (!Array.isArray(parsed)) throw fail('no root element');
  const roots = parsed.filter((n): n is OrderedNode => typeof n === 'object' && n !== null && tagOf(n as OrderedNode) !== undefined);
  const rootNode = roots[0];
  if (!rootNode || roots.length !== 1 || tagOf(rootNode) !== 'e57Root') throw fail('the root element must be <e57Root>');
  const root = convert(rootNode, 0, fail);
  if (root.type !== 'Structure') throw fail('<e57Root> must be a Structure');
  return root;
}

/** The (prefixed) key holding an element's children, if the node is an element. */
function tagKeyOf(node: OrderedNode): string | undefined {
  for (const key of Object.keys(node)) {
    if (key.startsWith(NAME_PREFIX)) return key;
  }
  return undefined;
}

function tagOf(node: OrderedNode): string | undefined {
  return tagKeyOf(node)?.slice(NAME_PREFIX.length);
}

function convert(node: OrderedNode, depth: number, fail: (reason: string) => Error): E57Element {
  const key = tagKeyOf(node);
  if (key === undefined) throw fail('expected an element');
  const name = key.slice(NAME_PREFIX.length);
  if (depth > MAX_DEPTH) throw fail(`elements nested deeper than ${MAX_DEPTH}`);
  const rawAttrs = node[':@'];
  const attrs = new Map<string, string>();
  if (typeof rawAttrs === 'object' && rawAttrs !== null) {
    for (const [k, v] of Object.entries(rawAttrs)) attrs.set(k.slice(NAME_PREFIX.length), String(v));
  }
  const rawChildren = node[key];
  const childNodes = Array.isArray(rawChildren) ? (rawChildren as OrderedNode[]) : [];
  const elements = childNodes.filter((c) => typeof c === 'object' && c !== null && tagOf(c) !== undefined);
  const text = childNodes
    .map((c) => (typeof c === 'object' && c !== null && '#text' in c ? String(c['#text']) : ''))
    .join('')
    .trim();
  const type = attrs.get('type');
  // Element names are schema, not data, but are cut short in messages all the same.
  const where = `<${name.slice(0, 64)}>`;

  const noChildren = () => {
    if (elements.length > 0) throw fail(`${where} of type ${type} must not contain elements`);
  };
  const integerAttr = (key: string, fallback: bigint): bigint => {
    const v = attrs.get(key);
    return v === undefined ? fallback : parseInteger(v, `${where} attribute ${key}`, fail);
  };
  const floatAttr = (key: string, fallback: number): number => {
    const v = attrs.get(key);
    return v === undefined ? fallback : parseFloatText(v, `${where} attribute ${key}`, fail);
  };

  switch (type) {
    case 'Structure':
    case 'Vector': {
      if (text !== '') throw fail(`${where} of type ${type} must not contain text`);
      const children = elements.map((c) => convert(c, depth + 1, fail));
      if (type === 'Structure') {
        const seen = new Set<string>();
        for (const c of children) {
          if (seen.has(c.name)) throw fail(`${where} has two children named ${c.name}`);
          seen.add(c.name);
        }
      }
      return { type, name, children };
    }
    case 'CompressedVector': {
      if (text !== '') throw fail(`${where} of type CompressedVector must not contain text`);
      if (!attrs.has('fileOffset') || !attrs.has('recordCount')) throw fail(`${where} needs fileOffset and recordCount`);
      const fileOffset = toSafe(integerAttr('fileOffset', 0n), `${where} fileOffset`, fail);
      const recordCount = toSafe(integerAttr('recordCount', 0n), `${where} recordCount`, fail);
      if (fileOffset < 0 || recordCount < 0) throw fail(`${where} has a negative fileOffset or recordCount`);
      let prototype: E57Element | undefined;
      let codecs: E57Element | undefined;
      for (const c of elements) {
        const child = convert(c, depth + 1, fail);
        if (child.name === 'prototype') prototype = child;
        else if (child.name === 'codecs') codecs = child;
        else throw fail(`${where} has an unexpected child <${child.name}>`);
      }
      return { type, name, fileOffset, recordCount, prototype, codecs };
    }
    case 'Integer': {
      noChildren();
      const minimum = integerAttr('minimum', INT64_MIN);
      const maximum = integerAttr('maximum', INT64_MAX);
      const value = text === '' ? 0n : parseInteger(text, where, fail);
      checkIntegerBounds(where, minimum, maximum, fail);
      return { type, name, value, minimum, maximum };
    }
    case 'ScaledInteger': {
      noChildren();
      const minimum = integerAttr('minimum', INT64_MIN);
      const maximum = integerAttr('maximum', INT64_MAX);
      const scale = floatAttr('scale', 1);
      const offset = floatAttr('offset', 0);
      if (scale === 0 || !Number.isFinite(scale)) throw fail(`${where} scale must be finite and non-zero`);
      if (!Number.isFinite(offset)) throw fail(`${where} offset must be finite`);
      const value = text === '' ? 0n : parseInteger(text, where, fail);
      checkIntegerBounds(where, minimum, maximum, fail);
      return { type, name, value, minimum, maximum, scale, offset };
    }
    case 'Float': {
      noChildren();
      const precisionAttr = attrs.get('precision') ?? 'double';
      if (precisionAttr !== 'single' && precisionAttr !== 'double') throw fail(`${where} precision must be single or double`);
      const limit = precisionAttr === 'single' ? FLT_MAX : DBL_MAX;
      const minimum = floatAttr('minimum', -limit);
      const maximum = floatAttr('maximum', limit);
      const value = text === '' ? 0 : parseFloatText(text, where, fail);
      return { type, name, value, precision: precisionAttr, minimum, maximum };
    }
    case 'String': {
      noChildren();
      // Strings keep their text as written (CDATA included); trimValues only trims the outer
      // whitespace that pretty-printing adds.
      return { type, name, value: text };
    }
    case 'Blob': {
      noChildren();
      if (!attrs.has('fileOffset') || !attrs.has('length')) throw fail(`${where} needs a fileOffset and a length`);
      const fileOffset = toSafe(integerAttr('fileOffset', 0n), `${where} fileOffset`, fail);
      const length = toSafe(integerAttr('length', 0n), `${where} length`, fail);
      if (fileOffset < 0 || length < 0) throw fail(`${where} has a negative fileOffset or length`);
      return { type, name, fileOffset, length };
    }
    default:
      throw fail(`${where} has unknown type ${JSON.stringify(type ?? null)}`);
  }
}

function parseInteger(text: string, what: string, fail: (reason: string) => Error): bigint {
  const t = text.trim();
  if (!/^[+-]?\d{1,20}$/.test(t)) throw fail(`${what} is not an integer`);
  const v = BigInt(t);
  if (v < INT64_MIN || v > INT64_MAX) throw fail(`${what} is outside the int64 range`);
  return v;
}

function parseFloatText(text: string, what: string, fail: (reason: string) => Error): number {
  const t = text.trim();
  // xsd:double lexical space, plus the INF/NaN spellings some writers use.
  if (/^[+-]?INF$/i.test(t) || /^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw fail(`${what} is not a number`);
  return Number(t);
}

function toSafe(v: bigint, what: string, fail: (reason: string) => Error): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`${what} ${v} is too large`);
  return Number(v);
}

function checkIntegerBounds(where: string, minimum: bigint, maximum: bigint, fail: (reason: string) => Error): void {
  if (minimum > maximum) throw fail(`${where} minimum ${minimum} exceeds maximum ${maximum}`);
}

/** The named child of a Structure, if present. */
export function childOf(parent: E57Element | undefined, name: string): E57Element | undefined {
  if (!parent || (parent.type !== 'Structure' && parent.type !== 'Vector')) return undefined;
  return parent.children.find((c) => c.name === name);
}

/** A numeric element's value as a number (ScaledInteger scaled), or undefined when absent or not numeric. */
export function numberOf(el: E57Element | undefined): number | undefined {
  if (!el) return undefined;
  switch (el.type) {
    case 'Integer':
      return Number(el.value);
    case 'ScaledInteger':
      return Number(el.value) * el.scale + el.offset;
    case 'Float':
      return el.value;
    default:
      return undefined;
  }
}

export function stringOf(el: E57Element | undefined): string | undefined {
  return el?.type === 'String' ? el.value : undefined;
}
