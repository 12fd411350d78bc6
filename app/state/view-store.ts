/**
 * Session state (tldraw's "session" scope): what is selected, the theme, the open dock tab, the
 * status line, dialogs. Never saved into the scenario document, never part of undo.
 */
import { create } from 'zustand';

export type Theme = 'light' | 'dark';
export type StatusKind = 'error' | 'info';

export interface StatusMessage {
  readonly kind: StatusKind;
  readonly text: string;
  /** Increments on every message so that the same text twice still re-announces. */
  readonly seq: number;
}

export interface ViewState {
  readonly selection: readonly string[];
  readonly theme: Theme;
  readonly dockTab: string;
  readonly status: StatusMessage | null;
  readonly galleryOpen: boolean;
  /** An edge selected on the canvas, by its id (a reference path), for Delete. */
  readonly selectedEdges: readonly string[];
  /** The last share link, shown in the share box; null until Share is pressed. */
  readonly shareUrl: string | null;
  /** The Capture tab takes the dock tall and wide (its three panes need the room). */
  readonly dockTall: boolean;
}

const THEME_KEY = 'netplay:theme';

function initialTheme(): Theme {
  try {
    const saved = globalThis.localStorage?.getItem(THEME_KEY);
    if (saved === 'light' || saved === 'dark') return saved;
    return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  } catch {
    return 'light';
  }
}

export const useViewStore = create<ViewState>(() => ({
  selection: [],
  selectedEdges: [],
  theme: initialTheme(),
  dockTab: 'sockets',
  status: null,
  galleryOpen: false,
  shareUrl: null,
  dockTall: true,
}));

let seq = 0;

export function showStatus(text: string, kind: StatusKind = 'error'): void {
  useViewStore.setState({ status: { kind, text, seq: ++seq } });
}

export function clearStatus(): void {
  useViewStore.setState({ status: null });
}

export function select(ids: readonly string[], edges: readonly string[] = []): void {
  useViewStore.setState({ selection: ids, selectedEdges: edges });
}

export function setTheme(theme: Theme): void {
  useViewStore.setState({ theme });
  try {
    globalThis.localStorage?.setItem(THEME_KEY, theme);
  } catch {
    // A private window without storage still switches the theme for this session.
  }
}
