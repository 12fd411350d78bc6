/**
 * Excalidraw-style actions: every edit the toolbar, the keyboard and menus can trigger is one
 * object with a name, a label, an optional key test and `perform`. The caller never needs to know
 * how an action changes the document.
 */
export interface Action {
  readonly name: string;
  readonly label: string;
  /** Keyboard shortcut shown in tooltips, e.g. "Ctrl+Z". */
  readonly shortcut?: string;
  readonly keyTest?: (e: KeyboardEvent) => boolean;
  readonly perform: () => void | Promise<void>;
}

export const ctrl = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;
