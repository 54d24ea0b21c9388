/** Join failures in words a player understands. Pure. */

/**
 * The server explains bad join options as `field: reason` (see
 * shared/src/validation.ts describeIssues); when the reason already names
 * the field ("name: name must be…") the prefix only stutters, so it goes.
 */
export function describeJoinError(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  if (error instanceof TypeError || /failed to fetch|networkerror|econnrefused|load failed/i.test(message)) {
    return 'Cannot reach the game server. Check your connection, or try again in a moment.';
  }
  if (/seat reservation expired|timed out/i.test(message)) {
    return 'The server took too long to let you in. Please try again.';
  }
  if (/full|maxClients/i.test(message)) {
    return 'That world is full right now. Try another world or come back soon.';
  }
  if (!message) return 'Could not join the world.';
  return message
    .split('; ')
    .map((part) => {
      const m = /^(\w+): (.*)$/.exec(part);
      return m && m[2]!.toLowerCase().startsWith(m[1]!.toLowerCase()) ? m[2]! : part;
    })
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('. ');
}
