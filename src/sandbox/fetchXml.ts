import type { Element, Node } from '@xmldom/xmldom';
import { xmldom } from './xmlDom';

/** The element children of a node (the sandbox reads FetchXML with its own code, not the product's). */
function elements(parent: Node): Element[] {
  return Array.from(parent.childNodes).filter((n): n is Element => n.nodeType === 1);
}

function parseXml(text: string): Element {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new Error('FetchXML may not declare a DOCTYPE');
  let problem: string | undefined;
  const document = new (xmldom().DOMParser)({
    onError: (level, message) => void (level !== 'warning' && (problem ??= message)),
  }).parseFromString(text, 'text/xml');
  if (problem || !document.documentElement) throw new Error(`not well-formed XML: ${(problem ?? 'no root element').split('\n')[0]}`);
  return document.documentElement;
}

/** A FetchXML query as far as the sandbox evaluates it: attributes, nested and/or filters, common operators, paging. */
export interface FetchQuery {
  entity: string;
  attributes: string[] | undefined;
  page: number;
  count: number;
  /** The paging cookie of the page before, as the caller gave it back (unescaped). */
  pagingCookie: string | undefined;
  /** Ordered by a column of a linked table: a query the service gives no paging cookie for. */
  orderedByLink: boolean;
  matches(row: Record<string, unknown>): boolean;
}

export function parseFetch(text: string): FetchQuery {
  const fetch = parseXml(text);
  if (fetch.nodeName !== 'fetch') throw new Error('the root element must be <fetch>');
  const entity = elements(fetch).find((e) => e.nodeName === 'entity');
  if (!entity) throw new Error('<fetch> needs an <entity>');
  const attributes = elements(entity)
    .filter((e) => e.nodeName === 'attribute')
    .map((e) => e.getAttribute('name') ?? '');
  const all = elements(entity).some((e) => e.nodeName === 'all-attributes');
  const filters = elements(entity)
    .filter((e) => e.nodeName === 'filter')
    .map(compileFilter);
  return {
    entity: entity.getAttribute('name') ?? '',
    attributes: all || !attributes.length ? undefined : attributes,
    page: Number(fetch.getAttribute('page') ?? 1) || 1,
    count: Math.min(5000, Number(fetch.getAttribute('count') ?? 5000) || 5000),
    pagingCookie: fetch.getAttribute('paging-cookie') || undefined,
    orderedByLink: Array.from(entity.getElementsByTagName('link-entity')).some((link) =>
      elements(link).some((e) => e.nodeName === 'order'),
    ),
    matches: (row) => filters.every((test) => test(row)),
  };
}

/** A filter read once, into a test of rows: a query's conditions are not read again for every row. */
function compileFilter(filter: Element): (row: Record<string, unknown>) => boolean {
  const tests = elements(filter)
    .filter((e) => e.nodeName === 'condition' || e.nodeName === 'filter')
    .map((e) => (e.nodeName === 'filter' ? compileFilter(e) : compileCondition(e)));
  return filter.getAttribute('type') === 'or' ? (row) => tests.some((t) => t(row)) : (row) => tests.every((t) => t(row));
}

function compileCondition(condition: Element): (row: Record<string, unknown>) => boolean {
  const attribute = condition.getAttribute('attribute') ?? '';
  const operator = condition.getAttribute('operator') ?? 'eq';
  const value = condition.getAttribute('value') ?? '';
  const values = elements(condition)
    .filter((e) => e.nodeName === 'value')
    .map((e) => (e.textContent ?? '').trim());
  // `in` of many ids (a page of links, say) is a set lookup for text, as the database would index it.
  const lowered = new Set(values.map((v) => v.toLowerCase()));
  return (row) => {
    const actual = row[attribute];
    if ((operator === 'in' || operator === 'not-in') && typeof actual === 'string')
      return lowered.has(actual.toLowerCase()) === (operator === 'in');
    return conditionMatches(actual, operator, value, values);
  };
}

function conditionMatches(actual: unknown, operator: string, value: string, values: string[]): boolean {
  const compare = (expected: string) =>
    typeof actual === 'number'
      ? actual - Number(expected)
      : String(actual ?? '')
          .toLowerCase()
          .localeCompare(expected.toLowerCase());
  const like = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/%/g, '.*')
        .replace(/_/g, '.')}$`,
      'i',
    ).test(String(actual ?? ''));
  switch (operator) {
    case 'eq':
      return actual !== null && actual !== undefined && compare(value) === 0;
    case 'ne':
      return actual === null || actual === undefined || compare(value) !== 0;
    case 'like':
      return like(value);
    case 'not-like':
      return !like(value);
    case 'null':
      return actual === null || actual === undefined;
    case 'not-null':
      return actual !== null && actual !== undefined;
    case 'in':
      return values.some((v) => compare(v) === 0);
    case 'not-in':
      return !values.some((v) => compare(v) === 0);
    case 'gt':
      return actual !== null && actual !== undefined && compare(value) > 0;
    case 'ge':
      return actual !== null && actual !== undefined && compare(value) >= 0;
    case 'lt':
      return actual !== null && actual !== undefined && compare(value) < 0;
    case 'le':
      return actual !== null && actual !== undefined && compare(value) <= 0;
    default:
      throw new Error(`the operator "${operator}" is not supported by the sandbox`);
  }
}
