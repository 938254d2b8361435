'use client';
// Polling is the api's documented way to follow a job: run `tick` every interval while `active`, never two at
// once (the next wait starts when the previous request has finished), stop on unmount.
import { useEffect } from 'react';

/** How often the jobs pages ask for progress, in ms. */
export const POLL_MS = 1500;

export function usePolling(tick: () => Promise<void>, active: boolean, intervalMs = POLL_MS): void {
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const loop = async () => {
      try {
        await tick();
      } finally {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      }
    };
    timer = setTimeout(loop, intervalMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [tick, active, intervalMs]);
}
