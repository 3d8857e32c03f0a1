import type { HttpRequest } from '../common/http';
import { CloudApiError, invalidField } from './errors';

/** Request helpers shared by the handlers: ids, JSON bodies, pagination. */

export function parseId(text: string | undefined, what: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw invalidField('id', `${what} id "${text}" is not a positive integer`);
  return id;
}

export function readJsonObject(req: HttpRequest): Record<string, unknown> {
  const text = req.body.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CloudApiError(
      'json_error',
      `request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CloudApiError('json_error', 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  meta: {
    pagination: {
      page: number;
      per_page: number;
      previous_page: number | null;
      next_page: number | null;
      last_page: number;
      total_entries: number;
    };
  };
}

/** `?page=` (from 1) and `?per_page=` (default 25, at most 50), as the API documents them. */
export function paginate<T>(all: readonly T[], query: URLSearchParams): Page<T> {
  const page = positiveInt(query.get('page'), 'page', 1);
  const perPage = positiveInt(query.get('per_page'), 'per_page', 25);
  if (perPage > 50) throw invalidField('per_page', 'must be at most 50');
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  return {
    items: all.slice((page - 1) * perPage, page * perPage),
    meta: {
      pagination: {
        page,
        per_page: perPage,
        previous_page: page > 1 ? Math.min(page - 1, lastPage) : null,
        next_page: page < lastPage ? page + 1 : null,
        last_page: lastPage,
        total_entries: all.length,
      },
    },
  };
}

function positiveInt(text: string | null, name: string, fallback: number): number {
  if (text === null) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw invalidField(name, 'must be a positive integer');
  return n;
}
