import { UsageError } from '../contract/errors.ts';

/** A snippet generator cannot express the target; the message names the field to change. */
export class SnippetError extends UsageError {
  override name = 'SnippetError';
}
