// A database failure as one line of text for an error message.

/**
 * The reason an operation failed. Node reports a refused connection to a host with several
 * addresses as an AggregateError with an empty message, so its inner errors are used instead.
 */
export function reasonOf(e: unknown): string {
  if (e instanceof AggregateError && e.message === '') {
    const inner = e.errors.map((x: unknown) => reasonOf(x)).filter((s) => s !== '');
    if (inner.length) return inner.join('; ');
  }
  if (e instanceof Error) {
    if (e.message !== '') return e.message;
    const code = (e as Error & { code?: unknown }).code;
    return typeof code === 'string' ? code : e.name;
  }
  return String(e);
}
