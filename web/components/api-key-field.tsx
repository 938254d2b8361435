'use client';
// The field where a person pastes the API key that changes (import, export, cancel, explanations) are sent with.
import { saveApiKey, useApiKey } from '@/lib/api-key';

/** The API key input: kept in this tab's sessionStorage and sent with every change the page makes. */
export function ApiKeyField() {
  const key = useApiKey();
  return (
    <label>
      API key
      <input
        type="password"
        name="apiKey"
        autoComplete="off"
        value={key}
        onChange={(e) => saveApiKey(e.target.value.trim())}
        placeholder="atlas_…"
        size={24}
      />
    </label>
  );
}
