'use client';
// The API key for mutations lives in this tab's sessionStorage only (gone when the tab closes), shared by every
// form on the page through one storage key and a same-tab event.
import { useEffect, useState } from 'react';

const STORAGE_KEY = 'atlas.apiKey';
const CHANGED = 'atlas-api-key-changed';

export function saveApiKey(key: string): void {
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  else sessionStorage.removeItem(STORAGE_KEY);
  window.dispatchEvent(new Event(CHANGED));
}

/** The key this tab holds ('' when none), updated when any field changes it. */
export function useApiKey(): string {
  const [key, setKey] = useState('');
  useEffect(() => {
    const read = () => setKey(sessionStorage.getItem(STORAGE_KEY) ?? '');
    read();
    window.addEventListener(CHANGED, read);
    return () => window.removeEventListener(CHANGED, read);
  }, []);
  return key;
}
