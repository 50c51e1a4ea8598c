/**
 * The message of the innermost cause. Temporal wraps an activity's error in an
 * ActivityFailure (and a workflow's in a WorkflowFailedError); the inner message is the one
 * that says what went wrong.
 */
export function rootCauseMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
