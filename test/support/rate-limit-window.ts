/**
 * The rate limiters' windows are aligned to the wall clock (a minute): start a test's burst early
 * in one, so that the burst and the checks after it fall in the same window and are not split
 * across two, neither of which is over the limit.
 */
export async function freshWindow(needMs = 30_000) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** The time limit of a test that waits for a fresh window: the wait (up to 30 s) and the test's own time. */
export const WINDOW_TEST_TIMEOUT = 60_000;
