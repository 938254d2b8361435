// When a page answers 404: the api said NOT_FOUND (extensions.code), never because its message reads like it.
import { notFound } from 'next/navigation';
import { ApiAnswerError } from './api-answer';

/**
 * Whether the api answered NOT_FOUND (no such dictionary, feature, job) in any field of the operation: a missing
 * dictionary fails every field that names it, and a second failure (a stale cursor) may come first.
 */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiAnswerError && err.codes.includes('NOT_FOUND');
}

/** The operation's data; the not-found page when the api answers NOT_FOUND; any other failure is thrown on. */
export async function orNotFound<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (err) {
    if (isNotFound(err)) notFound();
    throw err;
  }
}
