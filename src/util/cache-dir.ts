/**
 * The one rule for where caches live: $B2M_CACHE_DIR/<area>, else
 * $XDG_CACHE_HOME/brain2music/<area>, else ~/.cache/brain2music/<area>.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(area: string): string {
  if (process.env.B2M_CACHE_DIR) return join(process.env.B2M_CACHE_DIR, area);
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'brain2music', area);
}
