/**
 * Viewer settings live in a store, not module globals (STYLE habit 10): the point budget, the
 * colour mode and eye-dome lighting. Persisted per user in localStorage (no patient data).
 */
import { useSyncExternalStore } from 'react';

export type ColorMode = 'rgb' | 'height' | 'attribute';

export interface ViewerSettings {
  pointBudget: number;
  colorMode: ColorMode;
  /** Which per-point attribute "attribute" colouring shows, e.g. depth_mm or wound_label. */
  attribute: string;
  edl: boolean;
  pointSize: number;
}

export const DEFAULT_POINT_BUDGET = 2_000_000;
const KEY = 'coherency-viewer-settings';
const DEFAULTS: ViewerSettings = { pointBudget: DEFAULT_POINT_BUDGET, colorMode: 'rgb', attribute: 'depth_mm', edl: true, pointSize: 2 };

function load(): ViewerSettings {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? { ...DEFAULTS, ...(JSON.parse(raw) as Partial<ViewerSettings>) } : DEFAULTS;
  } catch {
    return DEFAULTS;
  }
}

let state: ViewerSettings = load();
const listeners = new Set<() => void>();

export const viewerStore = {
  get: (): ViewerSettings => state,
  set(patch: Partial<ViewerSettings>): void {
    state = { ...state, ...patch };
    try {
      localStorage.setItem(KEY, JSON.stringify(state));
    } catch {
      /* storage full or disabled: settings stay for this session */
    }
    for (const l of listeners) l();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useViewerSettings(): ViewerSettings {
  return useSyncExternalStore(viewerStore.subscribe, viewerStore.get);
}
